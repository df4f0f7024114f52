"""Rolling benchmarks per brand: volume, share of voice, sentiment, over hopping windows."""
