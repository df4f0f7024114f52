"""Synthetic multilingual mentions with known ground truth, for integration tests and benchmarks.

Sentences are written for this purpose (not taken from any data set). A ``{b}`` slot takes a
brand reference: its @handle (tagged), or its name, alias or hashtag (untagged).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from streams.kernel.timestamps import iso_utc

SENTENCES: dict[str, list[str]] = {
    "en": [
        "{b} support has ignored my ticket for a whole week, really disappointed",
        "Honestly the new plan from {b} is cheaper and the coverage is great",
        "Does anyone know if {b} is down right now? Nothing loads since this morning",
        "Switched to {b} last month and I have not looked back since",
    ],
    "es": [
        "El servicio de {b} lleva tres días sin funcionar en mi barrio",
        "Me encanta la nueva aplicación de {b}, es mucho más rápida que antes",
        "¿Alguien más tiene problemas con la factura de {b} este mes?",
    ],
    "id": [
        "Pelayanan {b} hari ini sangat lambat, saya sudah menunggu dua jam",
        "Terima kasih {b}, penerbangan tadi pagi tepat waktu dan nyaman sekali",
        "Kenapa aplikasi {b} selalu error setiap kali saya mau bayar?",
    ],
    "hr": [
        "Internet od {b} opet ne radi već tri dana, stvarno sam ljut",
        "Jako sam zadovoljna s novom ponudom koju je {b} poslao ovaj tjedan",
        "Zna li netko zašto {b} ne odgovara na poruke korisničke podrške?",
    ],
    "lv": [
        "Šodien {b} klientu apkalpošana bija ļoti laipna un ātra",
        "Kāpēc {b} atkal paaugstināja cenas bez jebkāda brīdinājuma?",
        "Man patīk jaunais {b} piedāvājums, iesaku visiem draugiem",
    ],
    "ar": [
        "خدمة {b} سيئة جدا اليوم ولم يرد علي أحد منذ الصباح",
        "شكرا {b} على السرعة في حل مشكلتي، تجربة رائعة",
        "هل يعرف أحد لماذا تطبيق {b} لا يعمل الآن؟",
    ],
    "de": [
        "Der Kundendienst von {b} hat mein Problem heute sofort gelöst",
        "Warum ist die Rechnung von {b} diesen Monat schon wieder höher?",
    ],
    "fr": [
        "Le service client de {b} ne répond plus depuis trois jours",
        "Franchement la nouvelle offre de {b} est vraiment intéressante",
    ],
    "pt": [
        "O atendimento da {b} hoje foi excelente, resolveram tudo rapidamente",
        "Alguém sabe porque a internet da {b} está tão lenta esta semana?",
    ],
    "it": [
        "Il servizio clienti di {b} non risponde da tre giorni, che vergogna",
        "Sono molto contento della nuova offerta di {b}, la consiglio a tutti",
    ],
}

NO_BRAND = {
    "en": ["Such a lovely sunny morning, going for a long walk by the river"],
    "es": ["Hoy hace un día precioso para pasear por la playa con la familia"],
    "id": ["Hari ini cuacanya cerah sekali, cocok untuk jalan-jalan ke taman"],
    "hr": ["Danas je prekrasan sunčan dan, idemo u šetnju uz more"],
    "lv": ["Šodien ir ļoti skaista saulaina diena, dodamies pastaigā"],
    "ar": ["الجو جميل جدا اليوم، سأخرج للتنزه مع عائلتي"],
    "de": ["Heute ist ein wunderschöner Tag für einen Spaziergang im Park"],
    "fr": ["Quelle belle journée ensoleillée pour une promenade au parc"],
    "pt": ["Hoje está um dia lindo para passear no parque com os amigos"],
    "it": ["Oggi è una bellissima giornata di sole, andiamo a fare una passeggiata"],
}

#: The word of each language that every crisis post of :func:`crisis_day` holds (its theme: an
#: explanation's "terms that rose" should name it). No normal post holds it.
CRISIS_THEME: dict[str, str] = {
    "en": "outage",
    "es": "caída",
    "id": "gangguan",
    "hr": "kvar",
    "lv": "traucējumi",
    "ar": "انقطاع",
    "de": "Störung",
    "fr": "panne",
    "pt": "queda",
    "it": "guasto",
}

#: A slot of the grammar: its parts, one phrase drawn from each, joined by a space.
Slot = tuple[tuple[str, ...], ...]


def _one(*phrases: str) -> Slot:
    return (phrases,)


#: :func:`crisis_day`'s posts, composed per language from independent slots (see
#: ``_CRISIS_SLOTS`` and ``_NORMAL_SLOTS`` for the order and how often each slot is used).
#: Crisis posts: what broke (with the brand), since when, the outage (with the theme word),
#: what it cost, what support did, an angry reaction and what the author will do. Normal posts:
#: what the author did with the brand and when, who they are, then a positive, neutral or
#: negative verdict, a detail and a closing word of the same tone. Only ``problem`` and
#: ``topic`` hold ``{b}`` (once, in their first part).
# fmt: off
GRAMMAR: dict[str, dict[str, Slot]] = {
    "en": {
        "problem": (
            ("{b} internet", "My {b} router", "The {b} app", "{b} fibre", "{b} mobile data",
             "Our {b} landline", "{b} TV", "The {b} network", "My {b} phone line", "{b} home wifi"),
            ("is dead.", "just blinks red.", "won't connect.", "keeps dropping every minute.",
             "shows no signal at all.", "is completely down.", "stopped working.",
             "loads nothing, not even texts.", "won't come back."),
        ),
        "place": (
            ("Here in", "Over in", "Down in"),
            ("London.", "Leeds.", "Bristol.", "Glasgow.", "Cardiff.", "Manchester.", "Liverpool.",
             "Belfast.", "Brighton.", "Sheffield.", "Norwich.", "Leicester.", "Oxford.", "Bath."),
        ),
        "since": (
            ("Since 6am", "Since last night", "Since lunchtime", "Since before breakfast",
             "All morning", "The whole afternoon", "Five hours now", "Day two",
             "Since yesterday evening"),
            ("and still nothing.", "with no fix in sight.", "without a word from them.",
             "and counting.", "and no update.", "with zero information."),
        ),
        "outage": _one(
            "Their outage map is all red.", "Biggest outage I have ever seen.",
            "The status page pretends there is no outage.", "Third outage this month.",
            "Is this outage nationwide or just us?", "An outage this long is unacceptable.",
            "Nobody explains what caused the outage.", "Outage after outage with this company.",
            "This outage wrecked my week.", "Apparently the outage hit half the country.",
            "No ETA on fixing the outage.", "Every neighbour complains about the outage.",
            "Another outage, of course.", "Massive outage and total silence.",
        ),
        "cost": _one(
            "Lost a full day of work.", "Missed a job interview because of it.",
            "Kids can't do homework.", "Working from a café with awful wifi.",
            "Could not reach my mum in hospital.", "My shop can't take card payments.",
            "Missed two client calls already.", "Paying for nothing.",
            "Burned through all my hotspot data.", "Whole team offline, deadlines slipping.",
            "Exam tomorrow and I can't study.", "Lost a sale today.",
        ),
        "support": (
            ("Support", "The hotline", "Their chatbot", "Customer service", "The call centre",
             "The agent on the phone", "Their helpdesk"),
            ("hung up on me.", "says restart the router, did that ten times.", "has no clue.",
             "blames my cables, seriously?", "kept me on hold for ninety minutes.",
             "sends the same useless link.", "promised a callback that never came.",
             "can't even find my account.", "just plays music then drops."),
        ),
        "reaction": _one(
            "Absolutely furious.", "Worst provider ever.", "Disgraceful.", "What a joke.",
            "So angry right now.", "Shameful service, honestly.", "Pathetic.",
            "Unbelievable incompetence.", "Terrible, terrible company.", "Fed up.", "Awful.",
            "Beyond frustrating.",
        ),
        "reaction_end": _one(
            "Cancelling as soon as this is over.", "I want a refund for every hour.",
            "Done with this company.", "Never recommending them again.",
            "Time to switch providers.", "Compensation, now.", "Switching tomorrow.",
            "Filing a complaint with the regulator.",
        ),
        "topic": (
            ("Got the new {b} router", "Renewed my {b} contract", "Switched my parents to {b}",
             "Tried paying bills in the {b} app", "Moved flat and took {b} along",
             "Called {b} about my plan", "Received my {b} bill", "Set up {b} TV",
             "Used {b} data abroad", "Had a {b} technician over", "Looked at the {b} family plan",
             "Ordered a {b} SIM for my son"),
            ("on Monday.", "last week.", "this morning.", "a month ago.", "yesterday.",
             "over the weekend.", "today.", "recently."),
        ),
        "context": (
            ("Four of us at home,", "Just me and my partner,", "Family of five,", "Living alone,",
             "Two flatmates and me,", "Small office of six,"),
            ("mostly streaming.", "lots of video calls.", "gaming every night.",
             "working from home.", "nothing fancy.", "heavy users.", "two laptops and a TV."),
        ),
        "positive": (
            ("The coverage", "The speed", "Their app", "Customer service", "The price",
             "The installation", "Streaming", "The signal", "Billing"),
            ("is honestly great.", "works really well.", "beats my old provider.",
             "is better than promised.", "has been flawless.", "is spot on.", "impressed me.",
             "is excellent."),
        ),
        "positive_more": _one(
            "Zero problems so far.", "Cheaper than before, too.", "Setup took ten minutes.",
            "Even the basement gets signal.", "Video calls crystal clear.",
            "No hidden fees, for once.", "Answered my question within minutes.",
            "Friendly technician as well.",
        ),
        "positive_end": _one(
            "Would recommend.", "Pleasantly surprised.", "Good job, folks.", "Happy customer here.",
            "Nice one.", "Love it.", "Five stars from me.", "Glad I switched.",
        ),
        "neutral": (
            ("Does anyone know", "Anyone know", "Wondering", "Can someone tell me", "Not sure"),
            ("if the price goes up after a year?", "whether roaming is included?",
             "whether the cheaper tier is enough for two?", "how long a new SIM takes?",
             "if it works with a mesh system?", "how it compares to other offers?",
             "whether the router is theirs or mine?", "if there's a student discount?"),
        ),
        "neutral_more": _one(
            "Still comparing offers.", "Reading the small print now.", "Setup took about an hour.",
            "The contract is two years.", "Paid the first month already.",
            "Delivery should be Thursday.",
        ),
        "neutral_end": _one(
            "Tips welcome.", "Will report back.", "Let's see.", "Any experiences?", "Just asking.",
            "Thanks in advance.",
        ),
        "negative": (
            ("The bill", "Their support", "The app", "The evening speed", "The wifi",
             "The technician", "The contract", "Their website"),
            ("is a mess.", "ignored me for a week.", "keeps letting me down.",
             "costs more than quoted.", "drops constantly.", "is confusing on purpose.",
             "never delivers what they advertise.", "wastes my time."),
        ),
        "negative_more": _one(
            "Activation fee nobody mentioned.", "Three days for one email reply.",
            "Price went up without warning.", "Logged out again and again.",
            "The bedroom gets no wifi.", "Nobody showed up for the appointment.",
        ),
        "negative_end": _one(
            "Really disappointed.", "Not impressed.", "Annoying.", "Expected better.",
            "Considering leaving.", "Frustrating.",
        ),
    },
    "es": {
        "problem": (
            ("El internet de {b}", "Mi router de {b}", "La app de {b}", "La fibra de {b}",
             "La conexión móvil de {b}", "El teléfono fijo de {b}", "La tele de {b}",
             "La red de {b}", "Mi línea de {b}", "El wifi de {b}"),
            ("no funciona.", "solo parpadea en rojo.", "no conecta.", "se corta cada minuto.",
             "no tiene nada de señal.", "no carga nada.", "dejó de funcionar.", "no responde.",
             "no vuelve."),
        ),
        "place": (
            ("Aquí en", "Por la zona de", "Desde"),
            ("Madrid.", "Sevilla.", "Valencia.", "Bilbao.", "Zaragoza.", "Málaga.", "Murcia.",
             "Valladolid.", "Granada.", "Alicante.", "Córdoba.", "Vigo.", "Gijón.", "Salamanca."),
        ),
        "since": (
            ("Desde las seis de la mañana", "Desde anoche", "Desde el mediodía",
             "Desde antes del desayuno", "Toda la mañana", "Toda la tarde", "Cinco horas ya",
             "Segundo día", "Desde ayer por la tarde"),
            ("y nada.", "sin solución a la vista.", "sin una palabra de ellos.", "y sumando.",
             "y ninguna novedad.", "sin ninguna información."),
        ),
        "outage": _one(
            "Mapa de la caída: todo rojo.", "La peor caída que he visto.",
            "Su web dice que no hay caída.", "Tercera caída este mes.",
            "¿Caída nacional o solo aquí?", "Una caída tan larga es inaceptable.",
            "Nadie explica qué causó la caída.", "Caída tras caída con esta empresa.",
            "Esta caída me arruinó la semana.", "Dicen que la caída afecta a medio país.",
            "Ni idea de cuándo arreglan la caída.", "Todos los vecinos se quejan de la caída.",
            "Otra caída, cómo no.", "Caída masiva y silencio total.",
        ),
        "cost": _one(
            "Perdí un día entero de trabajo.", "Me perdí una entrevista de trabajo por esto.",
            "Los niños no pueden hacer los deberes.",
            "Trabajando desde un bar con un wifi horrible.",
            "No pude llamar a mi madre al hospital.", "Mi tienda no puede cobrar con tarjeta.",
            "Ya perdí dos llamadas con clientes.", "Pagando por nada.",
            "Gasté todos mis datos compartiendo conexión.",
            "Todo el equipo desconectado, los plazos se escapan.",
            "Examen mañana y no puedo estudiar.", "Hoy perdí una venta.",
        ),
        "support": (
            ("El soporte", "La línea de atención", "Su chatbot", "El servicio al cliente",
             "El call center", "El agente al teléfono", "Su centro de ayuda"),
            ("me colgó.", "dice que reinicie el router, ya van diez veces.", "no tiene ni idea.",
             "culpa a mis cables, ¿en serio?", "me tuvo noventa minutos en espera.",
             "manda el mismo enlace inútil.", "prometió una llamada que nunca llegó.",
             "ni siquiera encuentra mi cuenta.", "solo pone música y se corta."),
        ),
        "reaction": _one(
            "Estoy furioso.", "El peor proveedor del mundo.", "Una vergüenza.", "Qué chiste.",
            "Qué rabia ahora mismo.", "Un servicio lamentable, de verdad.", "Patético.",
            "Incompetencia increíble.", "Empresa horrible, horrible.", "Harto.", "Horrible.",
            "Más que frustrante.",
        ),
        "reaction_end": _one(
            "Cancelo en cuanto esto se arregle.", "Quiero el reembolso de cada hora.",
            "Se acabó con esta empresa.", "Nunca más los recomiendo.",
            "Hora de cambiar de compañía.", "Compensación, ya.", "Mañana me cambio.",
            "Voy a poner una reclamación en consumo.",
        ),
        "topic": (
            ("Me llegó el router nuevo de {b}", "Renové mi contrato con {b}",
             "Pasé a mis padres a {b}", "Probé a pagar facturas en la app de {b}",
             "Me mudé y me llevé {b}", "Llamé a {b} por mi tarifa", "Me llegó la factura de {b}",
             "Instalé la tele de {b}", "Usé los datos de {b} en el extranjero",
             "Vino un técnico de {b}", "Miré la tarifa familiar de {b}",
             "Pedí una SIM de {b} para mi hijo"),
            ("el lunes.", "la semana pasada.", "esta mañana.", "hace un mes.", "ayer.",
             "el fin de semana.", "hoy.", "hace poco."),
        ),
        "context": (
            ("Somos cuatro en casa,", "Solo mi pareja y yo,", "Familia de cinco,", "Vivo solo,",
             "Dos compañeros de piso y yo,", "Oficina pequeña de seis,"),
            ("sobre todo streaming.", "muchas videollamadas.", "jugando cada noche.",
             "teletrabajando.", "nada del otro mundo.", "usamos muchísimo.",
             "dos portátiles y una tele."),
        ),
        "positive": (
            ("La cobertura", "La velocidad", "Su app", "La atención al cliente", "El precio",
             "La instalación", "El streaming", "La señal", "La facturación"),
            ("va genial, la verdad.", "funciona de maravilla.", "supera a mi compañía anterior.",
             "es mejor de lo prometido.", "no ha fallado nunca.", "me sorprendió para bien.",
             "está de diez.", "cumple de sobra."),
        ),
        "positive_more": _one(
            "Cero problemas por ahora.", "Y encima más barato.",
            "La instalación llevó diez minutos.", "Hasta en el sótano hay señal.",
            "Videollamadas nítidas.", "Sin cargos ocultos, por fin.",
            "Respondieron mi duda en minutos.", "El técnico, muy majo.",
        ),
        "positive_end": _one(
            "Lo recomiendo.", "Gratamente sorprendido.", "Buen trabajo, equipo.", "Cliente feliz.",
            "Bien hecho.", "Me encanta.", "Cinco estrellas.", "Contento de haber cambiado.",
        ),
        "neutral": (
            ("¿Alguien sabe", "¿Alguien me puede decir", "¿Sabéis", "¿Me podéis decir",
             "¿Alguien tiene claro"),
            ("si el precio sube después de un año?", "si el roaming está incluido?",
             "si la tarifa barata basta para dos?", "cuánto tarda una SIM nueva?",
             "si funciona con un sistema mesh?", "cómo se compara con otras ofertas?",
             "si el router es suyo o mío?", "si hay descuento para estudiantes?"),
        ),
        "neutral_more": _one(
            "Sigo comparando ofertas.", "Leyendo la letra pequeña.",
            "La instalación llevó como una hora.", "El contrato es de dos años.",
            "Ya pagué el primer mes.", "La entrega debería ser el jueves.",
        ),
        "neutral_end": _one(
            "Se aceptan consejos.", "Ya contaré.", "A ver qué tal.", "¿Experiencias?",
            "Solo pregunto.", "Gracias de antemano.",
        ),
        "negative": (
            ("La factura", "Su soporte", "La app", "La velocidad por la noche", "El wifi",
             "El técnico", "El contrato", "Su web"),
            ("es un desastre.", "me ignoró una semana.", "me falla una y otra vez.",
             "cuesta más de lo acordado.", "se corta sin parar.", "es un lío a propósito.",
             "nunca cumple lo que anuncian.", "me hace perder el tiempo."),
        ),
        "negative_more": _one(
            "Una tarifa de alta que nadie mencionó.", "Tres días para responder un correo.",
            "Subieron el precio sin avisar.", "Me cierra la sesión una y otra vez.",
            "En el dormitorio no llega el wifi.", "Nadie vino a la cita.",
        ),
        "negative_end": _one(
            "Muy decepcionado.", "Nada impresionado.", "Qué fastidio.", "Esperaba más.",
            "Pensando en irme.", "Frustrante.",
        ),
    },
    "id": {
        "problem": (
            ("Internet {b}", "Router {b} saya", "Aplikasi {b}", "Fiber {b}", "Data seluler {b}",
             "Telepon rumah {b}", "TV {b}", "Jaringan {b}", "Jalur {b} saya", "WiFi {b} di rumah"),
            ("mati total.", "cuma kedip merah.", "tidak bisa tersambung.", "putus tiap menit.",
             "tidak ada sinyal sama sekali.", "down total.", "berhenti berfungsi.",
             "tidak memuat apa pun.", "belum juga kembali."),
        ),
        "place": (
            ("Di", "Di sekitar", "Daerah"),
            ("Jakarta.", "Bandung.", "Surabaya.", "Medan.", "Semarang.", "Makassar.", "Yogyakarta.",
             "Denpasar.", "Palembang.", "Malang.", "Bekasi.", "Depok.", "Bogor.", "Pontianak."),
        ),
        "since": (
            ("Dari jam enam pagi", "Sejak semalam", "Sejak siang", "Dari sebelum sarapan",
             "Sepanjang pagi", "Sepanjang sore", "Sudah lima jam", "Hari kedua",
             "Sejak kemarin sore"),
            ("dan masih belum ada apa-apa.", "tanpa ada perbaikan.", "tanpa kabar dari mereka.",
             "dan terus bertambah.", "dan tidak ada update.", "tanpa informasi apa pun."),
        ),
        "outage": _one(
            "Peta gangguan mereka merah semua.", "Gangguan terparah yang pernah saya alami.",
            "Halaman status pura-pura tidak ada gangguan.", "Gangguan ketiga bulan ini.",
            "Gangguan ini di seluruh negeri atau cuma di sini?",
            "Gangguan selama ini tidak bisa diterima.",
            "Tidak ada yang menjelaskan penyebab gangguan.",
            "Gangguan demi gangguan dengan perusahaan ini.", "Gangguan ini merusak seminggu saya.",
            "Katanya gangguan ini kena separuh negeri.",
            "Tidak ada perkiraan kapan gangguan selesai.", "Semua tetangga mengeluh soal gangguan.",
            "Gangguan lagi, tentu saja.", "Gangguan massal dan diam total.",
        ),
        "cost": _one(
            "Kehilangan satu hari kerja penuh.", "Ketinggalan wawancara kerja gara-gara ini.",
            "Anak-anak tidak bisa mengerjakan PR.", "Kerja dari kafe dengan WiFi jelek.",
            "Tidak bisa menghubungi ibu di rumah sakit.",
            "Toko saya tidak bisa terima pembayaran kartu.", "Sudah ketinggalan dua telepon klien.",
            "Bayar untuk layanan yang tidak ada.", "Kuota hotspot saya habis.",
            "Satu tim offline, tenggat molor.", "Besok ujian dan tidak bisa belajar.",
            "Hari ini kehilangan satu penjualan.",
        ),
        "support": (
            ("CS", "Hotline mereka", "Chatbot mereka", "Layanan pelanggan", "Call center",
             "Petugas di telepon", "Helpdesk mereka"),
            ("menutup telepon saya.", "menyuruh restart router, sudah sepuluh kali.",
             "tidak tahu apa-apa.", "menyalahkan kabel saya, serius?",
             "membuat saya menunggu sembilan puluh menit.",
             "mengirim link tidak berguna yang sama.", "janji telepon balik tapi tidak pernah.",
             "bahkan tidak menemukan akun saya.", "cuma memutar musik lalu putus."),
        ),
        "reaction": _one(
            "Marah sekali.", "Provider terburuk.", "Memalukan.", "Lelucon macam apa ini.",
            "Kesal banget sekarang.", "Pelayanan yang buruk, jujur.", "Payah.",
            "Tidak becus sama sekali.", "Perusahaan yang buruk sekali.", "Muak.", "Parah.",
            "Bikin frustrasi.",
        ),
        "reaction_end": _one(
            "Langsung berhenti langganan setelah ini.", "Saya minta ganti rugi untuk setiap jam.",
            "Cukup sudah dengan perusahaan ini.", "Tidak akan merekomendasikan lagi.",
            "Waktunya ganti provider.", "Minta kompensasi sekarang.", "Besok pindah ke yang lain.",
            "Saya akan lapor ke YLKI.",
        ),
        "topic": (
            ("Dapat router baru dari {b}", "Perpanjang kontrak {b}", "Pindahkan orang tua ke {b}",
             "Coba bayar tagihan di aplikasi {b}", "Pindah rumah dan tetap pakai {b}",
             "Telepon {b} soal paket saya", "Tagihan {b} sudah datang", "Pasang TV {b}",
             "Pakai data {b} di luar negeri", "Teknisi {b} datang ke rumah",
             "Lihat paket keluarga {b}", "Pesan kartu SIM {b} untuk anak"),
            ("hari Senin.", "minggu lalu.", "tadi pagi.", "sebulan lalu.", "kemarin.",
             "akhir pekan ini.", "hari ini.", "baru-baru ini."),
        ),
        "context": (
            ("Kami berempat di rumah,", "Cuma saya dan pasangan,", "Keluarga lima orang,",
             "Tinggal sendiri,", "Dua teman kos dan saya,", "Kantor kecil enam orang,"),
            ("kebanyakan streaming.", "banyak video call.", "main game tiap malam.",
             "kerja dari rumah.", "pemakaian biasa saja.", "pemakaian berat.",
             "dua laptop dan satu TV."),
        ),
        "positive": (
            ("Jangkauannya", "Kecepatannya", "Aplikasinya", "Layanan pelanggannya", "Harganya",
             "Pemasangannya", "Streamingnya", "Sinyalnya", "Tagihannya"),
            ("bagus banget, jujur.", "lancar sekali.", "lebih baik dari provider lama.",
             "lebih bagus dari yang dijanjikan.", "tidak pernah bermasalah.", "memuaskan sekali.",
             "di luar dugaan, mantap.", "pas banget."),
        ),
        "positive_more": _one(
            "Sejauh ini tanpa masalah.", "Lebih murah pula.", "Pemasangan cuma sepuluh menit.",
            "Bahkan di gudang ada sinyal.", "Video call jernih.", "Tidak ada biaya tersembunyi.",
            "Pertanyaan saya dijawab dalam hitungan menit.", "Teknisinya juga ramah.",
        ),
        "positive_end": _one(
            "Rekomended.", "Senang sekali.", "Kerja bagus.", "Pelanggan puas di sini.", "Mantap.",
            "Suka banget.", "Bintang lima dari saya.", "Untung pindah ke sini.",
        ),
        "neutral": (
            ("Ada yang tahu", "Boleh tanya,", "Penasaran", "Ada yang bisa jelaskan",
             "Masih bingung"),
            ("apakah harga naik setelah setahun?", "apakah roaming termasuk?",
             "apakah paket murah cukup untuk dua orang?", "berapa lama kartu SIM baru datang?",
             "apakah bisa dipakai dengan mesh?", "bagaimana dibanding penawaran lain?",
             "router itu milik mereka atau saya?", "ada diskon pelajar atau tidak?"),
        ),
        "neutral_more": _one(
            "Masih membandingkan penawaran.", "Sedang baca syarat dan ketentuan.",
            "Pemasangan kira-kira satu jam.", "Kontraknya dua tahun.",
            "Bulan pertama sudah dibayar.", "Pengiriman katanya hari Kamis.",
        ),
        "neutral_end": _one(
            "Minta sarannya.", "Nanti saya kabari.", "Kita lihat saja.", "Ada pengalaman?",
            "Sekadar tanya.", "Terima kasih sebelumnya.",
        ),
        "negative": (
            ("Tagihannya", "CS mereka", "Aplikasinya", "Kecepatan malam hari", "WiFi-nya",
             "Teknisinya", "Kontraknya", "Situs mereka"),
            ("berantakan.", "mengabaikan saya seminggu.", "selalu mengecewakan.",
             "lebih mahal dari yang dijanjikan.", "putus-putus terus.",
             "sengaja dibuat membingungkan.", "tidak pernah sesuai iklan.",
             "buang-buang waktu saya."),
        ),
        "negative_more": _one(
            "Ada biaya aktivasi yang tidak pernah disebut.", "Tiga hari untuk membalas satu email.",
            "Harga naik tanpa pemberitahuan.", "Terus-terusan keluar dari akun.",
            "WiFi tidak sampai ke kamar.", "Tidak ada yang datang sesuai janji.",
        ),
        "negative_end": _one(
            "Kecewa sekali.", "Tidak terkesan.", "Menyebalkan.", "Harusnya lebih baik.",
            "Mau berhenti saja.", "Jengkel.",
        ),
    },
    "hr": {
        "problem": (
            ("Internet od {b}", "Moj {b} ruter", "Aplikacija {b}", "Optika od {b}",
             "Mobilni internet od {b}", "Fiksni telefon od {b}", "{b} TV", "Mreža od {b}",
             "Moja {b} linija", "Kućni wifi od {b}"),
            ("uopće ne radi.", "samo trepće crveno.", "se ne može spojiti.",
             "prekida svake minute.", "nema nikakav signal.", "ne učitava ništa.", "stalno puca.",
             "ne daje ni znaka života.", "i dalje ne radi."),
        ),
        "place": (
            ("Ovdje u", "Kod nas u", "Živim u"),
            ("Zagrebu.", "Splitu.", "Rijeci.", "Osijeku.", "Zadru.", "Puli.", "Šibeniku.",
             "Varaždinu.", "Dubrovniku.", "Karlovcu.", "Sisku.", "Koprivnici.", "Čakovcu.",
             "Vukovaru."),
        ),
        "since": (
            ("Od šest ujutro", "Od sinoć", "Od podneva", "Od prije doručka", "Cijelo jutro",
             "Cijelo poslijepodne", "Već pet sati", "Drugi dan", "Od jučer navečer"),
            ("i još ništa.", "bez ikakvog rješenja.", "bez ijedne riječi od njih.", "i sve traje.",
             "i nikakve obavijesti.", "bez ikakvih informacija."),
        ),
        "outage": _one(
            "Na karti je kvar posvuda crven.", "Najveći kvar koji sam ikad doživio.",
            "Stranica sa statusom i dalje ne prikazuje kvar.", "Treći kvar ovaj mjesec.",
            "Kvar u cijeloj zemlji ili samo kod nas?", "Ovako dug kvar je neprihvatljiv.",
            "Nitko ne objašnjava što je uzrokovalo kvar.", "Kvar za kvarom s ovom firmom.",
            "Ovaj kvar mi je uništio tjedan.", "Navodno kvar pogađa pola Hrvatske.",
            "Nitko ne zna kad će popraviti kvar.", "Svi susjedi se žale na kvar.",
            "Opet kvar, naravno.", "Veliki kvar i potpuna šutnja.",
        ),
        "cost": _one(
            "Izgubio sam cijeli radni dan.", "Propustio sam razgovor za posao zbog ovoga.",
            "Djeca ne mogu pisati zadaću.", "Radim iz kafića s užasnim wifijem.",
            "Nisam mogao dobiti mamu u bolnici.", "Moj dućan ne može naplaćivati karticama.",
            "Već sam propustio dva poziva s klijentima.", "Plaćam za ništa.",
            "Potrošio sam sav mobilni internet na hotspot.", "Cijeli tim je offline, rokovi bježe.",
            "Sutra ispit, a ne mogu učiti.", "Danas sam izgubio jednu prodaju.",
        ),
        "support": (
            ("Podrška", "Njihov info centar", "Njihov chatbot", "Korisnička služba", "Call centar",
             "Agent na telefonu", "Njihov helpdesk"),
            ("mi poklapa slušalicu.", "kaže resetiraj ruter, već deset puta.", "nema pojma.",
             "krivi moje kablove, ozbiljno?", "me drži na čekanju devedeset minuta.",
             "šalje isti beskorisni link.", "obećava povratni poziv koji nikad ne dođe.",
             "ne može ni pronaći moj račun.", "pušta glazbu i onda prekine."),
        ),
        "reaction": _one(
            "Bijesan sam.", "Najgori operater ikad.", "Sramota.", "Kakva šala.", "Užasno sam ljut.",
            "Sramotna usluga, iskreno.", "Jadno.", "Nevjerojatna nesposobnost.",
            "Užasna, užasna firma.", "Dosta mi je.", "Grozno.", "Krajnje frustrirajuće.",
        ),
        "reaction_end": _one(
            "Raskidam ugovor čim ovo prođe.", "Želim povrat novca za svaki sat.",
            "Gotov sam s ovom firmom.", "Nikad ih više neću preporučiti.",
            "Vrijeme je za drugog operatera.", "Tražim odštetu, odmah.", "Sutra prelazim.",
            "Podnosim prigovor regulatoru.",
        ),
        "topic": (
            ("Stigao mi je novi {b} ruter", "Produžio sam ugovor s {b}",
             "Prebacio sam roditelje na {b}", "Probao sam platiti račune u {b} aplikaciji",
             "Preselio sam se i zadržao {b}", "Zvao sam {b} zbog tarife",
             "Stigao mi je račun od {b}", "Postavio sam {b} TV",
             "Koristio sam {b} podatke u inozemstvu", "Dolazio mi je tehničar od {b}",
             "Pogledao sam {b} obiteljsku tarifu", "Naručio sam {b} SIM za sina"),
            ("u ponedjeljak.", "prošli tjedan.", "jutros.", "prije mjesec dana.", "jučer.",
             "za vikend.", "danas.", "nedavno."),
        ),
        "context": (
            ("Četvero nas je doma,", "Samo partner i ja,", "Obitelj od petero,", "Živim sam,",
             "Dva cimera i ja,", "Mali ured od šest ljudi,"),
            ("uglavnom streaming.", "puno video poziva.", "igrice svaku večer.", "rad od kuće.",
             "ništa posebno.", "jako puno trošimo.", "dva laptopa i televizor."),
        ),
        "positive": (
            ("Pokrivenost", "Brzina", "Njihova aplikacija", "Korisnička podrška", "Cijena",
             "Instalacija", "Streaming", "Signal", "Naplata"),
            ("radi stvarno dobro.", "nadmašuje mog starog operatera.", "je iznad očekivanja.",
             "nikad ne zakaže.", "me oduševljava.", "je za čistu peticu.", "je stvarno na razini.",
             "radi odlično."),
        ),
        "positive_more": _one(
            "Zasad nula problema.", "I jeftinije je.", "Postavljanje je trajalo deset minuta.",
            "Čak i u podrumu ima signala.", "Video pozivi kristalno jasni.",
            "Bez skrivenih troškova, napokon.", "Odgovorili su mi za par minuta.",
            "I tehničar je bio ljubazan.",
        ),
        "positive_end": _one(
            "Preporučujem.", "Ugodno iznenađen.", "Bravo, ekipa.", "Zadovoljan korisnik.",
            "Svaka čast.", "Oduševljen sam.", "Pet zvjezdica od mene.",
            "Drago mi je da sam prešao.",
        ),
        "neutral": (
            ("Zna li netko", "Može li mi netko reći", "Pitam se", "Zanima me", "Nisam siguran"),
            ("poskupljuje li nakon godinu dana?", "je li roaming uključen?",
             "je li jeftinija tarifa dovoljna za dvoje?", "koliko traje dostava nove SIM kartice?",
             "radi li s mesh sustavom?", "kako se uspoređuje s drugim ponudama?",
             "je li ruter njihov ili moj?", "ima li studentski popust?"),
        ),
        "neutral_more": _one(
            "Još uspoređujem ponude.", "Čitam sitna slova.",
            "Postavljanje je trajalo oko sat vremena.", "Ugovor je na dvije godine.",
            "Prvi mjesec sam već platio.", "Dostava bi trebala biti u četvrtak.",
        ),
        "neutral_end": _one(
            "Savjeti dobrodošli.", "Javim kako je.", "Vidjet ćemo.", "Iskustva?", "Samo pitam.",
            "Hvala unaprijed.",
        ),
        "negative": (
            ("Račun", "Njihova podrška", "Aplikacija", "Večernja brzina", "Wifi", "Tehničar",
             "Ugovor", "Njihova stranica"),
            ("je katastrofa.", "me ignorira tjedan dana.", "me stalno iznevjerava.",
             "košta više nego što su rekli.", "stalno prekida.", "namjerno zbunjuje.",
             "nikad ne odgovara reklami.", "mi krade vrijeme."),
        ),
        "negative_more": _one(
            "Naknada za aktivaciju koju nitko nije spomenuo.", "Tri dana za odgovor na jedan mail.",
            "Cijena je porasla bez najave.", "Stalno me odjavljuje.",
            "Wifi ne dopire do spavaće sobe.", "Nitko nije došao na dogovoreni termin.",
        ),
        "negative_end": _one(
            "Jako razočaran.", "Nisam impresioniran.", "Iritantno.", "Očekivao sam više.",
            "Razmišljam o odlasku.", "Frustrirajuće.",
        ),
    },
    "lv": {
        "problem": (
            ("{b} internets", "Mans {b} rūteris", "{b} lietotne", "{b} optika", "{b} mobilie dati",
             "{b} fiksētais tālrunis", "{b} televīzija", "{b} tīkls", "Mana {b} līnija",
             "{b} mājas wifi"),
            ("vispār nestrādā.", "tikai mirgo sarkanā krāsā.", "nevar pieslēgties.",
             "pārtrūkst katru minūti.", "nerāda nekādu signālu.", "neielādē neko.",
             "atkal nestrādā.", "nedod ne mazāko dzīvības zīmi.", "joprojām neatgriežas."),
        ),
        "place": (
            ("Šeit", "Pie mums", "Te"),
            ("Rīgā.", "Jelgavā.", "Liepājā.", "Daugavpilī.", "Ventspilī.", "Jūrmalā.", "Valmierā.",
             "Rēzeknē.", "Ogrē.", "Cēsīs.", "Tukumā.", "Siguldā.", "Jēkabpilī.", "Talsos."),
        ),
        "since": (
            ("Kopš sešiem no rīta", "Kopš pagājušās nakts", "Kopš pusdienlaika", "Jau no agra rīta",
             "Visu rītu", "Visu pēcpusdienu", "Jau piecas stundas", "Otro dienu",
             "Kopš vakar vakara"),
            ("un joprojām nekā.", "un labojuma nav.", "un no viņiem ne vārda.", "un tas turpinās.",
             "un nekādu jaunumu.", "un nekādas informācijas."),
        ),
        "outage": _one(
            "Kartē traucējumi visur, viss sarkans.",
            "Lielākie traucējumi, ko jebkad esmu redzējis.",
            "Statusa lapā raksta, ka traucējumi nav konstatēti.", "Jau trešie traucējumi šomēnes.",
            "Traucējumi visā Latvijā vai tikai te?", "Tik ilgi traucējumi nav pieņemami.",
            "Neviens nepaskaidro, kāpēc radās traucējumi.",
            "Atkal un atkal traucējumi ar šo firmu.", "Šie traucējumi sabojāja visu manu nedēļu.",
            "Runā, ka traucējumi skāruši pusi valsts.", "Nav ne jausmas, kad traucējumi beigsies.",
            "Visi kaimiņi sūdzas, ka traucējumi turpinās.", "Atkal traucējumi, protams.",
            "Masveida traucējumi un pilnīgs klusums.",
        ),
        "cost": _one(
            "Pazaudēju veselu darba dienu.", "Nokavēju darba interviju šī dēļ.",
            "Bērni nevar izpildīt mājasdarbus.", "Strādāju no kafejnīcas ar šausmīgu wifi.",
            "Nevarēju sazvanīt mammu slimnīcā.", "Mans veikals nevar pieņemt kartes maksājumus.",
            "Jau nokavēti divi zvani ar klientiem.", "Maksāju par neko.",
            "Iztērēju visus mobilos datus tīklājam.", "Visa komanda bezsaistē, termiņi slīd.",
            "Rīt eksāmens, bet nevaru mācīties.", "Šodien zaudēju pārdošanu.",
        ),
        "support": (
            ("Atbalsts", "Viņu informatīvais tālrunis", "Viņu čatbots", "Klientu apkalpošana",
             "Zvanu centrs", "Operators pa telefonu", "Viņu palīdzības dienests"),
            ("noliek klausuli.", "saka restartēt rūteri, jau desmit reizes.", "neko nezina.",
             "vaino manus kabeļus, nopietni?", "tur mani gaidīšanā deviņdesmit minūtes.",
             "sūta to pašu bezjēdzīgo saiti.", "sola atzvanīt, bet nekad neatzvana.",
             "pat neatrod manu kontu.", "atskaņo mūziku un tad pārtrauc."),
        ),
        "reaction": _one(
            "Esmu nikns.", "Sliktākais operators jebkad.", "Kauns.", "Kas par joku.",
            "Šobrīd ļoti dusmīgs.", "Apkaunojošs serviss, godīgi.", "Nožēlojami.",
            "Neticama nekompetence.", "Šausmīga, šausmīga firma.", "Apnicis.", "Briesmīgi.",
            "Ārkārtīgi kaitinoši.",
        ),
        "reaction_end": _one(
            "Laužu līgumu, tiklīdz tas beigsies.", "Gribu naudu atpakaļ par katru stundu.",
            "Ar šo firmu esmu beidzis.", "Nekad vairs neieteikšu.", "Laiks mainīt operatoru.",
            "Prasu kompensāciju, tūlīt.", "Rīt pāreju pie cita.", "Rakstu sūdzību regulatoram.",
        ),
        "topic": (
            ("Saņēmu jauno {b} rūteri", "Pagarināju {b} līgumu", "Pārcēlu vecākus uz {b}",
             "Mēģināju apmaksāt rēķinus {b} lietotnē", "Pārvācos un paņēmu {b} līdzi",
             "Zvanīju uz {b} par savu tarifu", "Saņēmu {b} rēķinu", "Uzstādīju {b} televīziju",
             "Lietoju {b} datus ārzemēs", "Pie manis bija {b} tehniķis",
             "Apskatīju {b} ģimenes tarifu", "Pasūtīju {b} SIM karti dēlam"),
            ("pirmdien.", "pagājušajā nedēļā.", "šorīt.", "pirms mēneša.", "vakar.",
             "nedēļas nogalē.", "šodien.", "nesen."),
        ),
        "context": (
            ("Mājās esam četri,", "Tikai es un partneris,", "Piecu cilvēku ģimene,",
             "Dzīvoju viens,", "Divi istabas biedri un es,", "Mazs birojs ar sešiem cilvēkiem,"),
            ("galvenokārt straumēšana.", "daudz videozvanu.", "spēles katru vakaru.",
             "strādājam no mājām.", "nekas īpašs.", "lietojam ļoti daudz.",
             "divi klēpjdatori un televizors."),
        ),
        "positive": (
            ("Pārklājums", "Ātrums", "Viņu lietotne", "Klientu apkalpošana", "Cena", "Uzstādīšana",
             "Straumēšana", "Signāls", "Rēķinu sistēma"),
            ("strādā lieliski.", "pārspēj manu veco operatoru.", "ir virs gaidītā.",
             "nekad nepieviļ.", "mani iepriecina.", "ir uz pieci.", "darbojas nevainojami.",
             "tiešām priecē."),
        ),
        "positive_more": _one(
            "Līdz šim nulle problēmu.", "Turklāt lētāk.", "Uzstādīšana aizņēma desmit minūtes.",
            "Pat pagrabā ir signāls.", "Videozvani kristāldzidri.", "Beidzot bez slēptām maksām.",
            "Uz jautājumu atbildēja dažās minūtēs.", "Arī tehniķis bija laipns.",
        ),
        "positive_end": _one(
            "Iesaku.", "Patīkami pārsteigts.", "Labs darbs.", "Apmierināts klients.", "Malači.",
            "Ļoti patīk.", "Piecas zvaigznes no manis.", "Priecājos, ka pārgāju.",
        ),
        "neutral": (
            ("Vai kāds zina,", "Varbūt kāds var pateikt,", "Interesanti,", "Gribētu zināt,",
             "Neesmu drošs,"),
            ("vai cena pēc gada pieaug?", "vai viesabonēšana ir iekļauta?",
             "vai lētākais tarifs pietiek diviem?", "cik ilgi jāgaida jaunā SIM karte?",
             "vai tas strādā ar mesh sistēmu?", "kā tas salīdzināms ar citiem piedāvājumiem?",
             "vai rūteris ir viņu vai mans?", "vai ir studentu atlaide?"),
        ),
        "neutral_more": _one(
            "Joprojām salīdzinu piedāvājumus.", "Lasu līguma sīkos burtus.",
            "Uzstādīšana aizņēma apmēram stundu.", "Līgums ir uz diviem gadiem.",
            "Pirmo mēnesi jau samaksāju.", "Piegāde esot ceturtdien.",
        ),
        "neutral_end": _one(
            "Padomi noderētu.", "Pastāstīšu, kā būs.", "Redzēsim.", "Kādam ir pieredze?",
            "Tikai jautāju.", "Paldies jau iepriekš.",
        ),
        "negative": (
            ("Rēķins", "Viņu atbalsts", "Lietotne", "Vakara ātrums", "Wifi", "Tehniķis", "Līgums",
             "Viņu mājaslapa"),
            ("ir viena vienīga putra.", "mani ignorē jau nedēļu.", "pastāvīgi pieviļ.",
             "maksā vairāk nekā solīts.", "nemitīgi pārtrūkst.", "tīši mulsina.",
             "nekad neatbilst reklāmai.", "tērē manu laiku."),
        ),
        "negative_more": _one(
            "Aktivizācijas maksa, ko neviens nepieminēja.",
            "Trīs dienas, lai atbildētu uz vienu e-pastu.", "Cena pieauga bez brīdinājuma.",
            "Atkal un atkal izmet ārā no konta.", "Guļamistabā wifi nesniedzas.",
            "Uz norunāto laiku neviens neatnāca.",
        ),
        "negative_end": _one(
            "Ļoti vīlies.", "Neesmu sajūsmā.", "Kaitinoši.", "Gaidīju vairāk.", "Domāju aiziet.",
            "Nomācoši.",
        ),
    },
    "ar": {
        "problem": (
            ("إنترنت {b}", "راوتر {b} عندي", "تطبيق {b}", "خط الألياف من {b}",
             "الإنترنت المنزلي من {b}", "الهاتف الأرضي من {b}", "تلفزيون {b}", "خط {b} عندي",
             "الواي فاي من {b}", "إرسال {b}"),
            ("لا يعمل إطلاقا.", "يومض باللون الأحمر فقط.", "لا يتصل أبدا.", "ينقطع كل دقيقة.",
             "بلا أي إشارة.", "لا يحمل أي شيء.", "متوقف تماما.", "ميت تماما.", "لم يعد حتى الآن."),
        ),
        "place": (
            ("هنا في", "عندنا في", "أكتب من"),
            ("الرياض.", "جدة.", "القاهرة.", "الإسكندرية.", "عمان.", "الدوحة.", "دبي.", "الكويت.",
             "بيروت.", "تونس.", "الدار البيضاء.", "الخرطوم.", "مسقط.", "المنامة."),
        ),
        "since": (
            ("منذ السادسة صباحا", "منذ الليلة الماضية", "منذ الظهر", "منذ ما قبل الفطور",
             "طوال الصباح", "طوال فترة العصر", "منذ خمس ساعات", "لليوم الثاني", "منذ مساء أمس"),
            ("ولا شيء حتى الآن.", "ولا حل في الأفق.", "ولا كلمة منهم.", "والعداد مستمر.",
             "ولا أي تحديث.", "ولا أي معلومة."),
        ),
        "outage": _one(
            "خريطة انقطاع الخدمة كلها حمراء.", "أسوأ انقطاع رأيته في حياتي.",
            "صفحة الحالة تتجاهل انقطاع الخدمة.", "ثالث انقطاع هذا الشهر.",
            "انقطاع في كل البلد أم عندنا فقط؟", "انقطاع بهذا الطول غير مقبول.",
            "لا أحد يشرح سبب انقطاع الإنترنت.", "انقطاع بعد انقطاع مع هذه الشركة.",
            "هذا انقطاع دمر أسبوعي كله.", "يقولون إن انقطاع الشبكة شمل نصف البلد.",
            "لا موعد لإصلاح انقطاع الخدمة.", "كل الجيران يشتكون من انقطاع الاتصال.",
            "انقطاع جديد، طبعا.", "انقطاع شامل وصمت تام.",
        ),
        "cost": _one(
            "خسرت يوم عمل كامل.", "فاتتني مقابلة عمل بسبب هذا.", "الأولاد لا يستطيعون حل واجباتهم.",
            "أعمل من مقهى بواي فاي سيئ.", "لم أستطع الاتصال بأمي في المستشفى.",
            "محلي لا يقبل الدفع بالبطاقة.", "فاتتني مكالمتان مع عملاء.", "أدفع مقابل لا شيء.",
            "استهلكت كل باقة الهاتف على نقطة الاتصال.", "الفريق كله بلا اتصال والمواعيد تضيع.",
            "عندي امتحان غدا ولا أستطيع المذاكرة.", "خسرت عملية بيع اليوم.",
        ),
        "support": (
            ("الدعم الفني", "الخط الساخن", "الشات بوت عندهم", "قسم خدمة العملاء", "مركز الاتصال",
             "الموظف على الهاتف", "مكتب المساعدة"),
            ("أغلق الخط في وجهي.", "يقول أعد تشغيل الراوتر، فعلتها عشر مرات.", "لا يعرف شيئا.",
             "يلوم الكابلات عندي، بجد؟", "تركني أنتظر تسعين دقيقة.",
             "يرسل نفس الرابط عديم الفائدة.", "وعد بمكالمة لم تأت أبدا.", "لا يجد حتى حسابي.",
             "يشغل الموسيقى ثم يقطع الخط."),
        ),
        "reaction": _one(
            "أنا غاضب جدا.", "أسوأ شركة اتصالات على الإطلاق.", "فضيحة.", "مهزلة.", "معصب جدا الآن.",
            "خدمة مخزية بصراحة.", "بائس.", "عدم كفاءة لا يصدق.", "شركة سيئة جدا جدا.", "طفح الكيل.",
            "مقرف.", "محبط للغاية.",
        ),
        "reaction_end": _one(
            "سألغي الاشتراك فور انتهاء هذا.", "أريد تعويضا عن كل ساعة.", "انتهيت من هذه الشركة.",
            "لن أنصح بهم أبدا.", "حان وقت تغيير الشركة.", "أطالب بتعويض فورا.",
            "سأنتقل غدا إلى شركة أخرى.", "سأقدم شكوى للجهة المنظمة.",
        ),
        "topic": (
            ("وصلني راوتر {b} الجديد", "جددت عقدي مع {b}", "نقلت والدي إلى {b}",
             "جربت دفع الفواتير في تطبيق {b}", "انتقلت إلى شقة جديدة وأخذت {b} معي",
             "اتصلت بخدمة {b} بخصوص باقتي", "وصلتني فاتورة {b}", "ركبت تلفزيون {b}",
             "استخدمت بيانات {b} في الخارج", "زارني فني من {b}", "اطلعت على باقة العائلة من {b}",
             "طلبت شريحة {b} لابني"),
            ("يوم الاثنين.", "الأسبوع الماضي.", "هذا الصباح.", "قبل شهر.", "أمس.",
             "في عطلة نهاية الأسبوع.", "اليوم.", "مؤخرا."),
        ),
        "context": (
            ("نحن أربعة في البيت،", "أنا وزوجتي فقط،", "عائلة من خمسة أفراد،", "أعيش وحدي،",
             "أنا واثنان من زملاء السكن،", "مكتب صغير من ستة أشخاص،"),
            ("غالبا مشاهدة أفلام.", "مكالمات فيديو كثيرة.", "ألعاب كل ليلة.", "عمل من البيت.",
             "استخدام عادي.", "استخدام كثيف.", "حاسوبان وتلفزيون."),
        ),
        "positive": (
            ("الإرسال", "الأداء", "التطبيق", "الدعم الفني", "السعر", "التركيب", "البث", "الاتصال",
             "نظام الفواتير"),
            ("ممتاز بصراحة.", "يعمل بشكل رائع.", "أفضل من شركتي القديمة.", "أفضل مما وعدوا.",
             "لم يخذلني أبدا.", "سريع ومريح.", "فاجأني بشكل إيجابي.", "في القمة."),
        ),
        "positive_more": _one(
            "لا مشاكل حتى الآن.", "وأرخص أيضا.", "التركيب أخذ عشر دقائق.",
            "حتى في القبو توجد إشارة.", "مكالمات الفيديو واضحة جدا.", "بلا رسوم مخفية أخيرا.",
            "ردوا على سؤالي خلال دقائق.", "والفني كان لطيفا.",
        ),
        "positive_end": _one(
            "أنصح به.", "مفاجأة سارة.", "عمل رائع يا شباب.", "عميل سعيد هنا.", "أحسنتم.", "أحببته.",
            "خمس نجوم مني.", "سعيد أنني انتقلت إليهم.",
        ),
        "neutral": (
            ("سؤال سريع:", "سؤال للجميع:", "استفسار:", "يا جماعة،", "مساعدة من فضلكم:"),
            ("هل يرتفع السعر بعد سنة؟", "هل التجوال مشمول؟", "هل الباقة الأرخص تكفي لشخصين؟",
             "كم تستغرق الشريحة الجديدة للوصول؟", "هل يعمل مع نظام mesh؟",
             "كيف يقارن بالعروض الأخرى؟", "هل الراوتر ملكهم أم ملكي؟", "هل يوجد خصم للطلاب؟"),
        ),
        "neutral_more": _one(
            "ما زلت أقارن العروض.", "أقرأ الشروط الصغيرة الآن.", "التركيب أخذ حوالي ساعة.",
            "العقد لمدة سنتين.", "دفعت الشهر الأول بالفعل.", "التوصيل يفترض يوم الخميس.",
        ),
        "neutral_end": _one(
            "أي نصيحة مرحب بها.", "سأخبركم لاحقا.", "لنرى.", "أي تجارب؟", "مجرد سؤال.",
            "شكرا مقدما.",
        ),
        "negative": (
            ("مبلغ الفاتورة", "الدعم عندهم", "التطبيق", "الأداء في المساء", "الواي فاي", "الفني",
             "العقد", "الموقع"),
            ("فوضى كاملة.", "تجاهلني أسبوعا كاملا.", "يخذلني دائما.", "أعلى مما اتفقنا عليه.",
             "يفصل باستمرار.", "مربك عن قصد.", "لا يطابق الإعلانات أبدا.", "يضيع وقتي."),
        ),
        "negative_more": _one(
            "رسوم تفعيل لم يذكرها أحد.", "ثلاثة أيام للرد على بريد واحد.", "رفعوا السعر بلا إنذار.",
            "يخرجني من الحساب مرة بعد مرة.", "الواي فاي لا يصل إلى غرفة النوم.",
            "لم يأت أحد في الموعد.",
        ),
        "negative_end": _one(
            "خيبة أمل كبيرة.", "لست معجبا.", "مزعج.", "توقعت أفضل.", "أفكر في المغادرة.", "محبط.",
        ),
    },
    "de": {
        "problem": (
            ("Das Internet von {b}", "Mein {b} Router", "Die {b} App", "Die Glasfaser von {b}",
             "Das mobile Netz von {b}", "Das Festnetz von {b}", "{b} TV", "Das {b} Netz",
             "Meine {b} Leitung", "Das WLAN von {b}"),
            ("ist tot.", "blinkt nur noch rot.", "verbindet sich nicht.", "bricht jede Minute ab.",
             "zeigt gar kein Signal.", "lädt überhaupt nichts.", "geht einfach nicht mehr.",
             "gibt kein Lebenszeichen.", "kommt nicht zurück."),
        ),
        "place": (
            ("Hier in", "Bei uns in", "Wohne in"),
            ("Berlin.", "Hamburg.", "München.", "Köln.", "Leipzig.", "Dresden.", "Stuttgart.",
             "Bremen.", "Hannover.", "Nürnberg.", "Dortmund.", "Mainz.", "Kiel.", "Freiburg."),
        ),
        "since": (
            ("Seit sechs Uhr früh", "Seit gestern Nacht", "Seit Mittag", "Seit vor dem Frühstück",
             "Den ganzen Vormittag", "Den ganzen Nachmittag", "Seit fünf Stunden", "Tag zwei",
             "Seit gestern Abend"),
            ("und immer noch nichts.", "ohne Lösung in Sicht.", "ohne ein Wort von denen.",
             "und es wird nicht besser.", "und kein Update.", "ohne jede Information."),
        ),
        "outage": _one(
            "Auf der Karte ist die Störung überall rot.", "Größte Störung, die ich je erlebt habe.",
            "Statusseite zeigt keine Störung an.", "Dritte Störung diesen Monat.",
            "Ist die Störung bundesweit oder nur bei uns?",
            "Eine so lange Störung ist inakzeptabel.",
            "Niemand erklärt, was die Störung verursacht hat.",
            "Eine Störung nach der anderen bei dieser Firma.",
            "Diese Störung hat meine Woche ruiniert.",
            "Angeblich betrifft die Störung halb Deutschland.",
            "Keine Ahnung, wann die Störung behoben wird.",
            "Die ganze Nachbarschaft schimpft über die Störung.",
            "Schon wieder eine Störung, natürlich.", "Massive Störung und totale Funkstille.",
        ),
        "cost": _one(
            "Einen ganzen Arbeitstag verloren.", "Deswegen ein Vorstellungsgespräch verpasst.",
            "Die Kinder können keine Hausaufgaben machen.",
            "Arbeite aus einem Café mit furchtbarem WLAN.",
            "Konnte meine Mutter im Krankenhaus nicht erreichen.",
            "Mein Laden kann keine Kartenzahlungen annehmen.", "Schon zwei Kundentermine verpasst.",
            "Ich zahle für nichts.", "Mein ganzes Datenvolumen für den Hotspot verbraucht.",
            "Das ganze Team offline, Deadlines platzen.",
            "Morgen Prüfung und ich kann nicht lernen.", "Heute einen Verkauf verloren.",
        ),
        "support": (
            ("Der Support", "Die Hotline", "Ihr Chatbot", "Der Kundenservice", "Das Callcenter",
             "Der Mitarbeiter am Telefon", "Ihr Helpdesk"),
            ("hat einfach aufgelegt.", "sagt, Router neu starten, hab ich zehnmal gemacht.",
             "hat keine Ahnung.", "schiebt es auf meine Kabel, im Ernst?",
             "ließ mich neunzig Minuten warten.", "schickt immer denselben nutzlosen Link.",
             "versprach einen Rückruf, der nie kam.", "findet nicht mal mein Konto.",
             "spielt Musik und legt dann auf."),
        ),
        "reaction": _one(
            "Ich bin stinksauer.", "Schlechtester Anbieter überhaupt.", "Eine Schande.",
            "Was für ein Witz.", "Gerade richtig wütend.", "Beschämender Service, ehrlich.",
            "Erbärmlich.", "Unglaubliche Inkompetenz.", "Furchtbare, furchtbare Firma.",
            "Mir reicht's.", "Katastrophal.", "Mehr als frustrierend.",
        ),
        "reaction_end": _one(
            "Kündige, sobald das vorbei ist.", "Ich will Geld zurück für jede Stunde.",
            "Fertig mit dieser Firma.", "Nie wieder empfehle ich die.",
            "Zeit, den Anbieter zu wechseln.", "Entschädigung, sofort.", "Morgen wechsle ich.",
            "Beschwerde bei der Bundesnetzagentur geht raus.",
        ),
        "topic": (
            ("Neuen {b} Router bekommen", "Meinen {b} Vertrag verlängert",
             "Meine Eltern zu {b} geholt", "Rechnungen in der {b} App bezahlt",
             "Umgezogen und {b} mitgenommen", "Bei {b} wegen meines Tarifs angerufen",
             "Die {b} Rechnung bekommen", "{b} TV eingerichtet", "{b} Daten im Ausland genutzt",
             "Einen {b} Techniker zu Besuch gehabt", "Den {b} Familientarif angeschaut",
             "Eine {b} SIM für meinen Sohn bestellt"),
            ("am Montag.", "letzte Woche.", "heute früh.", "vor einem Monat.", "gestern.",
             "am Wochenende.", "heute.", "neulich."),
        ),
        "context": (
            ("Wir sind zu viert zu Hause,", "Nur mein Partner und ich,", "Fünfköpfige Familie,",
             "Ich wohne allein,", "Zwei Mitbewohner und ich,", "Kleines Büro mit sechs Leuten,"),
            ("meistens Streaming.", "viele Videocalls.", "jeden Abend Gaming.", "Homeoffice.",
             "nichts Besonderes.", "wir brauchen viel.", "zwei Laptops und ein Fernseher."),
        ),
        "positive": (
            ("Die Abdeckung", "Die Geschwindigkeit", "Ihre App", "Der Kundenservice", "Der Preis",
             "Die Installation", "Streaming", "Das Signal", "Die Abrechnung"),
            ("ist ehrlich super.", "läuft richtig gut.", "schlägt meinen alten Anbieter.",
             "ist besser als versprochen.", "war bisher tadellos.", "überzeugt mich.",
             "hat mich positiv überrascht.", "passt perfekt."),
        ),
        "positive_more": _one(
            "Bisher null Probleme.", "Und günstiger ist es auch.", "Einrichtung in zehn Minuten.",
            "Sogar im Keller Empfang.", "Videocalls glasklar.", "Endlich keine versteckten Kosten.",
            "Frage innerhalb von Minuten beantwortet.", "Netter Techniker obendrein.",
        ),
        "positive_end": _one(
            "Kann ich empfehlen.", "Angenehm überrascht.", "Gute Arbeit, Leute.",
            "Zufriedener Kunde hier.", "Top.", "Liebe es.", "Fünf Sterne von mir.",
            "Froh, dass ich gewechselt habe.",
        ),
        "neutral": (
            ("Weiß jemand,", "Kann mir jemand sagen,", "Ich frage mich,", "Weiß hier wer,",
             "Bin mir nicht sicher,"),
            ("ob der Preis nach einem Jahr steigt?", "ob Roaming inklusive ist?",
             "ob der günstige Tarif für zwei reicht?", "wie lange eine neue SIM dauert?",
             "ob das mit einem Mesh-System geht?", "wie das im Vergleich zu anderen Angeboten ist?",
             "ob der Router ihnen oder mir gehört?", "ob es einen Studentenrabatt gibt?"),
        ),
        "neutral_more": _one(
            "Vergleiche noch Angebote.", "Lese gerade das Kleingedruckte.",
            "Einrichtung hat etwa eine Stunde gedauert.", "Vertrag läuft zwei Jahre.",
            "Ersten Monat schon bezahlt.", "Lieferung soll Donnerstag kommen.",
        ),
        "neutral_end": _one(
            "Tipps willkommen.", "Ich berichte.", "Mal sehen.", "Erfahrungen?", "Nur so gefragt.",
            "Danke im Voraus.",
        ),
        "negative": (
            ("Die Rechnung", "Ihr Support", "Die App", "Das Tempo abends", "Das WLAN",
             "Der Techniker", "Der Vertrag", "Ihre Webseite"),
            ("ist ein Chaos.", "ignoriert mich seit einer Woche.", "enttäuscht mich ständig.",
             "kostet mehr als angeboten.", "bricht dauernd ab.", "ist absichtlich verwirrend.",
             "hält nie, was die Werbung verspricht.", "verschwendet meine Zeit."),
        ),
        "negative_more": _one(
            "Aktivierungsgebühr, die niemand erwähnt hat.",
            "Drei Tage für eine Antwort auf eine Mail.", "Preis ohne Vorwarnung erhöht.",
            "Werde ständig ausgeloggt.", "Im Schlafzimmer kein WLAN.",
            "Zum Termin ist niemand gekommen.",
        ),
        "negative_end": _one(
            "Echt enttäuscht.", "Nicht beeindruckt.", "Nervig.", "Hatte mehr erwartet.",
            "Überlege zu kündigen.", "Frustrierend.",
        ),
    },
    "fr": {
        "problem": (
            ("Internet chez {b}", "Ma box {b}", "L'appli {b}", "La fibre {b}",
             "Le réseau mobile {b}", "Le fixe {b}", "La télé {b}", "Le réseau {b}", "Ma ligne {b}",
             "Le wifi {b}"),
            ("ne marche plus du tout.", "clignote en rouge.", "refuse de se connecter.",
             "coupe toutes les minutes.", "n'affiche aucun signal.", "ne charge plus rien.",
             "a lâché.", "ne donne plus signe de vie.", "ne revient pas."),
        ),
        "place": (
            ("Ici à", "Chez nous à", "Du côté de"),
            ("Paris.", "Lyon.", "Marseille.", "Lille.", "Nantes.", "Toulouse.", "Bordeaux.",
             "Rennes.", "Strasbourg.", "Grenoble.", "Nice.", "Montpellier.", "Dijon.", "Tours."),
        ),
        "since": (
            ("Depuis six heures du matin", "Depuis hier soir", "Depuis midi",
             "Depuis avant le petit-déj", "Toute la matinée", "Tout l'après-midi",
             "Cinq heures déjà", "Deuxième jour", "Depuis hier en fin de journée"),
            ("et toujours rien.", "sans solution en vue.", "sans un mot de leur part.",
             "et ça continue.", "et aucune mise à jour.", "sans la moindre information."),
        ),
        "outage": _one(
            "Sur la carte, la panne est partout en rouge.", "La pire panne que j'ai jamais vue.",
            "Leur site n'annonce aucune panne.", "Troisième panne ce mois-ci.",
            "Cette panne, c'est national ou juste chez nous ?",
            "Une panne aussi longue, c'est inacceptable.",
            "Personne n'explique la cause de la panne.", "Panne sur panne avec cette boîte.",
            "Cette panne a ruiné ma semaine.", "La panne toucherait la moitié du pays.",
            "Aucune idée de quand la panne sera réparée.",
            "Tous les voisins râlent contre la panne.", "Encore une panne, évidemment.",
            "Panne géante et silence total.",
        ),
        "cost": _one(
            "J'ai perdu une journée de travail.", "Entretien d'embauche raté à cause de ça.",
            "Les enfants ne peuvent pas faire leurs devoirs.",
            "Je bosse depuis un café au wifi pourri.", "Impossible de joindre ma mère à l'hôpital.",
            "Ma boutique ne peut pas encaisser par carte.", "Déjà deux appels clients ratés.",
            "Je paie pour rien.", "Forfait mobile grillé en partage de connexion.",
            "Toute l'équipe hors ligne, les délais explosent.",
            "Examen demain et je ne peux pas réviser.", "Une vente perdue aujourd'hui.",
        ),
        "support": (
            ("Le support", "La hotline", "Leur chatbot", "Le service client", "Le centre d'appels",
             "Le conseiller au téléphone", "Leur assistance"),
            ("m'a raccroché au nez.", "dit de redémarrer la box, fait dix fois.",
             "n'a aucune idée.", "accuse mes câbles, sérieusement ?",
             "m'a laissé quatre-vingt-dix minutes en attente.", "envoie le même lien inutile.",
             "a promis un rappel qui n'est jamais venu.", "ne trouve même pas mon compte.",
             "passe de la musique puis coupe."),
        ),
        "reaction": _one(
            "Je suis furieux.", "Pire opérateur de tous les temps.", "Une honte.", "Quelle blague.",
            "Vraiment en colère là.", "Service lamentable, franchement.", "Pathétique.",
            "Incompétence incroyable.", "Boîte horrible, horrible.", "J'en ai marre.", "Nul.",
            "Plus que frustrant.",
        ),
        "reaction_end": _one(
            "Je résilie dès que c'est fini.", "Je veux un remboursement pour chaque heure.",
            "Terminé avec cette boîte.", "Je ne les recommanderai plus jamais.",
            "Il est temps de changer d'opérateur.", "Un dédommagement, maintenant.",
            "Je change demain.", "Plainte déposée auprès de l'Arcep.",
        ),
        "topic": (
            ("Reçu la nouvelle box {b}", "Renouvelé mon contrat {b}",
             "Fait passer mes parents chez {b}", "Payé mes factures dans l'appli {b}",
             "Déménagé en gardant {b}", "Appelé {b} pour mon forfait", "Reçu ma facture {b}",
             "Installé la télé {b}", "Utilisé les données {b} à l'étranger",
             "Eu la visite d'un technicien {b}", "Regardé l'offre famille de {b}",
             "Commandé une SIM {b} pour mon fils"),
            ("lundi.", "la semaine dernière.", "ce matin.", "il y a un mois.", "hier.",
             "ce week-end.", "aujourd'hui.", "récemment."),
        ),
        "context": (
            ("On est quatre à la maison,", "Juste mon copain et moi,", "Famille de cinq,",
             "Je vis seul,", "Deux colocs et moi,", "Petit bureau de six personnes,"),
            ("surtout du streaming.", "beaucoup de visios.", "du jeu tous les soirs.",
             "télétravail.", "rien de spécial.", "on consomme énormément.",
             "deux ordis et une télé."),
        ),
        "positive": (
            ("La couverture", "Le débit", "Leur appli", "Le service client", "Le prix",
             "L'installation", "Le streaming", "Le signal", "La facturation"),
            ("est franchement top.", "marche super bien.", "bat mon ancien opérateur.",
             "dépasse ce qui était promis.", "n'a jamais flanché.", "me convainc.", "m'a bluffé.",
             "est nickel."),
        ),
        "positive_more": _one(
            "Zéro problème jusqu'ici.", "Et moins cher en plus.", "Installation en dix minutes.",
            "Même à la cave ça capte.", "Visios impeccables.", "Enfin pas de frais cachés.",
            "Réponse à ma question en quelques minutes.", "Technicien sympa en plus.",
        ),
        "positive_end": _one(
            "Je recommande.", "Agréablement surpris.", "Bravo l'équipe.", "Client content.",
            "Bien joué.", "J'adore.", "Cinq étoiles.", "Content d'avoir changé.",
        ),
        "neutral": (
            ("Quelqu'un sait", "Quelqu'un peut me dire", "Je me demande", "Vous savez",
             "Je ne sais pas"),
            ("si le prix augmente après un an ?", "si le roaming est inclus ?",
             "si le forfait le moins cher suffit pour deux ?",
             "combien de temps prend une nouvelle SIM ?", "si ça marche avec un système mesh ?",
             "comment ça se compare aux autres offres ?", "si la box est à eux ou à moi ?",
             "s'il y a une réduction étudiante ?"),
        ),
        "neutral_more": _one(
            "Je compare encore les offres.", "Je lis les petites lignes.",
            "L'installation a pris une heure environ.", "Contrat de deux ans.",
            "Premier mois déjà payé.", "Livraison prévue jeudi.",
        ),
        "neutral_end": _one(
            "Conseils bienvenus.", "Je vous tiens au courant.", "On verra.", "Des retours ?",
            "Je demande juste.", "Merci d'avance.",
        ),
        "negative": (
            ("La facture", "Leur support", "L'appli", "Le débit le soir", "Le wifi",
             "Le technicien", "Le contrat", "Leur site"),
            ("est un vrai bazar.", "m'ignore depuis une semaine.", "me déçoit sans arrêt.",
             "coûte plus que prévu.", "coupe sans arrêt.", "embrouille exprès.",
             "ne tient jamais les promesses de la pub.", "me fait perdre mon temps."),
        ),
        "negative_more": _one(
            "Des frais d'activation que personne n'a mentionnés.",
            "Trois jours pour répondre à un mail.", "Prix augmenté sans prévenir.",
            "Déconnecté encore et encore.", "Pas de wifi dans la chambre.",
            "Personne n'est venu au rendez-vous.",
        ),
        "negative_end": _one(
            "Vraiment déçu.", "Pas convaincu.", "Agaçant.", "Je m'attendais à mieux.",
            "Je pense partir.", "Frustrant.",
        ),
    },
    "pt": {
        "problem": (
            ("A internet da {b}", "Meu roteador da {b}", "O app da {b}", "A fibra da {b}",
             "O 4G da {b}", "O telefone fixo da {b}", "A TV da {b}", "A rede da {b}",
             "Minha linha da {b}", "O wifi da {b}"),
            ("não funciona de jeito nenhum.", "só pisca vermelho.", "não conecta.",
             "cai a cada minuto.", "não tem sinal nenhum.", "não carrega nada.",
             "parou de funcionar.", "não dá sinal de vida.", "não volta."),
        ),
        "place": (
            ("Aqui em", "Moro em", "Escrevendo de"),
            ("São Paulo.", "Recife.", "Salvador.", "Curitiba.", "Fortaleza.", "Manaus.", "Belém.",
             "Goiânia.", "Campinas.", "Natal.", "Florianópolis.", "Vitória.", "Brasília.",
             "Porto Alegre."),
        ),
        "since": (
            ("Desde as seis da manhã", "Desde ontem à noite", "Desde o meio-dia",
             "Desde antes do café", "A manhã inteira", "A tarde toda", "Cinco horas já",
             "Segundo dia", "Desde ontem no fim da tarde"),
            ("e nada ainda.", "sem solução à vista.", "sem uma palavra deles.", "e contando.",
             "e nenhuma atualização.", "sem informação nenhuma."),
        ),
        "outage": _one(
            "O mapa da queda está todo vermelho.", "Pior queda que já vi.",
            "O site deles nem admite a queda.", "Terceira queda este mês.",
            "Queda no país todo ou só aqui?", "Uma queda tão longa é inaceitável.",
            "Ninguém explica o que causou a queda.", "Queda atrás de queda com essa empresa.",
            "Essa queda acabou com a minha semana.", "Dizem que a queda atingiu metade do país.",
            "Nem previsão para resolver a queda.", "Todos os vizinhos reclamando da queda.",
            "Mais uma queda, claro.", "Queda geral e silêncio total.",
        ),
        "cost": _one(
            "Perdi um dia inteiro de trabalho.", "Perdi uma entrevista de emprego por causa disso.",
            "As crianças não conseguem fazer a lição.", "Trabalhando de um café com wifi horrível.",
            "Não consegui falar com minha mãe no hospital.",
            "Minha loja não consegue passar cartão.", "Já perdi duas chamadas com clientes.",
            "Pagando por nada.", "Pacote de dados gasto no roteamento.",
            "A equipe toda offline, prazos estourando.", "Prova amanhã e não consigo estudar.",
            "Perdi uma venda hoje.",
        ),
        "support": (
            ("O suporte", "A central", "O chatbot deles", "O atendimento", "O call center",
             "O atendente no telefone", "O SAC"),
            ("desligou na minha cara.", "manda reiniciar o roteador, já fiz dez vezes.",
             "não faz ideia de nada.", "culpa meus cabos, sério?",
             "me deixou noventa minutos esperando.", "manda o mesmo link inútil.",
             "prometeu retorno que nunca veio.", "nem encontra minha conta.",
             "toca música e depois desliga."),
        ),
        "reaction": _one(
            "Estou furioso.", "Pior operadora de todas.", "Uma vergonha.", "Que piada.",
            "Com muita raiva agora.", "Serviço lamentável, sinceramente.", "Patético.",
            "Incompetência inacreditável.", "Empresa horrível, horrível.", "Cansei.", "Péssimo.",
            "Mais que frustrante.",
        ),
        "reaction_end": _one(
            "Vou cancelar assim que isso acabar.", "Quero reembolso de cada hora.",
            "Chega dessa empresa.", "Nunca mais recomendo.", "Hora de trocar de operadora.",
            "Quero indenização, já.", "Amanhã mudo de operadora.", "Vou reclamar na Anatel.",
        ),
        "topic": (
            ("Chegou o roteador novo da {b}", "Renovei meu contrato com a {b}",
             "Passei meus pais para a {b}", "Paguei contas no app da {b}",
             "Mudei de casa e levei a {b}", "Liguei para a {b} sobre meu plano",
             "Chegou minha conta da {b}", "Instalei a TV da {b}",
             "Usei os dados da {b} no exterior", "Recebi um técnico da {b}",
             "Olhei o plano família da {b}", "Pedi um chip da {b} para meu filho"),
            ("na segunda.", "semana passada.", "hoje cedo.", "há um mês.", "ontem.",
             "no fim de semana.", "hoje.", "recentemente."),
        ),
        "context": (
            ("Somos quatro em casa,", "Só eu e meu namorado,", "Família de cinco,", "Moro sozinho,",
             "Dois colegas de apê e eu,", "Escritório pequeno de seis pessoas,"),
            ("mais streaming.", "muita videochamada.", "jogo toda noite.", "home office.",
             "nada demais.", "uso pesado.", "dois notebooks e uma TV."),
        ),
        "positive": (
            ("A cobertura", "A velocidade", "O app deles", "O atendimento", "O preço",
             "A instalação", "O streaming", "O sinal", "A cobrança"),
            ("é sensacional, sério.", "funciona muito bem.", "ganha da minha antiga operadora.",
             "é melhor do que prometeram.", "nunca falhou.", "me conquistou.", "me surpreendeu.",
             "está nota dez."),
        ),
        "positive_more": _one(
            "Zero problemas até agora.", "E mais barato ainda.", "Instalação em dez minutos.",
            "Até no porão pega sinal.", "Videochamadas perfeitas.",
            "Sem taxas escondidas, finalmente.", "Responderam minha dúvida em minutos.",
            "Técnico gente boa também.",
        ),
        "positive_end": _one(
            "Recomendo.", "Surpresa boa.", "Mandaram bem.", "Cliente feliz aqui.", "Show.", "Amei.",
            "Cinco estrelas.", "Feliz por ter trocado.",
        ),
        "neutral": (
            ("Alguém sabe", "Alguém pode me dizer", "Queria saber", "Vocês sabem",
             "Fiquei na dúvida"),
            ("se o preço aumenta depois de um ano?", "se o roaming está incluído?",
             "se o plano mais barato dá para dois?", "quanto tempo demora um chip novo?",
             "se funciona com sistema mesh?", "como se compara com outras ofertas?",
             "se o roteador é deles ou meu?", "se tem desconto para estudante?"),
        ),
        "neutral_more": _one(
            "Ainda comparando ofertas.", "Lendo as letras miúdas.",
            "A instalação levou uma hora mais ou menos.", "Contrato de dois anos.",
            "Já paguei o primeiro mês.", "Entrega prevista para quinta.",
        ),
        "neutral_end": _one(
            "Dicas são bem-vindas.", "Depois conto.", "Vamos ver.", "Alguma experiência?",
            "Só perguntando.", "Obrigado desde já.",
        ),
        "negative": (
            ("A conta", "O suporte deles", "O app", "A velocidade à noite", "O wifi", "O técnico",
             "O contrato", "O site deles"),
            ("é uma bagunça.", "me ignora há uma semana.", "me decepciona sempre.",
             "custa mais do que o combinado.", "cai toda hora.", "confunde de propósito.",
             "nunca entrega o que anunciam.", "me faz perder tempo."),
        ),
        "negative_more": _one(
            "Taxa de ativação que ninguém mencionou.", "Três dias para responder um e-mail.",
            "Aumentaram o preço sem avisar.", "Me desloga toda hora.", "No quarto o wifi não pega.",
            "Ninguém apareceu no horário marcado.",
        ),
        "negative_end": _one(
            "Muito decepcionado.", "Nada impressionado.", "Irritante.", "Esperava mais.",
            "Pensando em cancelar.", "Frustrante.",
        ),
    },
    "it": {
        "problem": (
            ("Internet di {b}", "Il mio modem {b}", "L'app di {b}", "La fibra di {b}",
             "La rete mobile di {b}", "Il fisso di {b}", "La TV di {b}", "La rete {b}",
             "La mia linea {b}", "Il wifi di {b}"),
            ("non funziona proprio.", "lampeggia solo di rosso.", "non si connette.",
             "cade ogni minuto.", "non dà segnale.", "non carica niente.",
             "ha smesso di funzionare.", "non dà segni di vita.", "non torna."),
        ),
        "place": (
            ("Qui a", "Da noi a", "Scrivo da"),
            ("Milano.", "Roma.", "Torino.", "Napoli.", "Bologna.", "Firenze.", "Bari.", "Palermo.",
             "Genova.", "Verona.", "Padova.", "Trieste.", "Catania.", "Brescia."),
        ),
        "since": (
            ("Dalle sei di mattina", "Da ieri notte", "Da mezzogiorno", "Da prima di colazione",
             "Tutta la mattina", "Tutto il pomeriggio", "Cinque ore ormai", "Secondo giorno",
             "Da ieri sera"),
            ("e ancora niente.", "senza soluzione in vista.", "senza una parola da loro.",
             "e si continua.", "e nessun aggiornamento.", "senza alcuna informazione."),
        ),
        "outage": _one(
            "Mappa del guasto tutta rossa.", "Il peggior guasto che abbia mai visto.",
            "Il loro sito non segnala nessun guasto.", "Terzo guasto questo mese.",
            "Guasto nazionale o solo qui?", "Un guasto così lungo è inaccettabile.",
            "Nessuno spiega il guasto.", "Guasto dopo guasto con questa azienda.",
            "Questo guasto mi ha rovinato la settimana.",
            "Pare che il guasto colpisca mezza Italia.", "Guasto senza tempi di riparazione.",
            "Vicini tutti furiosi per il guasto.", "Ennesimo guasto, ovviamente.",
            "Guasto enorme e silenzio totale.",
        ),
        "cost": _one(
            "Ho perso un'intera giornata di lavoro.", "Colloquio di lavoro saltato per colpa loro.",
            "Bambini senza compiti fatti.", "Lavoro da un bar con un wifi pessimo.",
            "Impossibile chiamare mia madre in ospedale.", "Negozio senza pagamenti con carta.",
            "Già saltate due chiamate con clienti.", "Pago per niente.",
            "Ho finito tutti i giga con l'hotspot.", "Tutto il team offline, le scadenze saltano.",
            "Esame domani e non posso studiare.", "Oggi ho perso una vendita.",
        ),
        "support": (
            ("L'assistenza", "Il numero verde", "Il loro chatbot", "Il servizio clienti",
             "Il call center", "L'operatore al telefono", "Il loro helpdesk"),
            ("mi ha chiuso il telefono in faccia.", "dice riavvia il modem, già dieci volte.",
             "non ne ha idea.", "incolpa i miei cavi, sul serio?",
             "mi lascia novanta minuti in attesa.", "manda lo stesso link inutile.",
             "promette richiamate mai arrivate.", "nemmeno trova il mio account.",
             "mette musica e poi riattacca."),
        ),
        "reaction": _one(
            "Sono furioso.", "Peggior operatore di sempre.", "Una vergogna.", "Che barzelletta.",
            "Arrabbiatissimo adesso.", "Servizio indecente, davvero.", "Patetico.",
            "Incompetenza incredibile.", "Azienda orribile, orribile.", "Basta.", "Pessimo.",
            "Più che frustrante.",
        ),
        "reaction_end": _one(
            "Disdico appena finisce.", "Voglio un rimborso per ogni ora.",
            "Ho chiuso con questa azienda.", "Non li consiglierò mai più.",
            "È ora di cambiare operatore.", "Voglio un indennizzo, subito.", "Domani cambio.",
            "Faccio reclamo all'AGCOM.",
        ),
        "topic": (
            ("Arrivato il nuovo modem {b}", "Rinnovato il contratto {b}", "Genitori passati a {b}",
             "Bollette pagate con l'app {b}", "Trasloco fatto, {b} viene con me",
             "Chiamata a {b} per cambiare offerta", "Arrivata la bolletta {b}",
             "Installata la TV {b}", "Giga {b} usati all'estero", "Visita del tecnico {b}",
             "Guardata l'offerta famiglia {b}", "Ordinata una SIM {b} per mio figlio"),
            ("lunedì.", "la settimana scorsa.", "stamattina.", "un mese fa.", "ieri.",
             "nel weekend.", "oggi.", "di recente."),
        ),
        "context": (
            ("Siamo in quattro a casa,", "Solo io e la mia ragazza,", "Famiglia di cinque,",
             "Vivo da solo,", "Due coinquilini e io,", "Piccolo ufficio di sei persone,"),
            ("soprattutto streaming.", "tante videochiamate.", "gaming ogni sera.",
             "smart working.", "niente di speciale.", "consumiamo tantissimo.",
             "due portatili e una TV."),
        ),
        "positive": (
            ("La copertura", "La velocità", "La loro app", "Il servizio clienti", "Il prezzo",
             "L'installazione", "Lo streaming", "Il segnale", "La fatturazione"),
            ("è davvero top.", "funziona benissimo.", "batte il mio vecchio operatore.",
             "è meglio del promesso.", "non ha mai perso un colpo.", "mi convince.",
             "mi ha stupito.", "è da dieci e lode."),
        ),
        "positive_more": _one(
            "Zero problemi finora.", "E pure più economico.", "Installazione in dieci minuti.",
            "Anche in cantina c'è segnale.", "Videochiamate perfette.",
            "Finalmente niente costi nascosti.", "Risposta alla mia domanda in pochi minuti.",
            "Tecnico gentilissimo tra l'altro.",
        ),
        "positive_end": _one(
            "Lo consiglio.", "Piacevolmente sorpreso.", "Bravi ragazzi.", "Cliente contento.",
            "Ottimo lavoro.", "Lo adoro.", "Cinque stelle.", "Felice di aver cambiato.",
        ),
        "neutral": (
            ("Qualcuno sa", "Qualcuno mi sa dire", "Mi chiedo", "Sapete", "Non ho capito"),
            ("se il prezzo aumenta dopo un anno?", "se il roaming è incluso?",
             "se l'offerta più economica basta per due?", "quanto ci mette una SIM nuova?",
             "se funziona con un sistema mesh?", "come si confronta con altre offerte?",
             "se il modem è loro o mio?", "se c'è uno sconto studenti?"),
        ),
        "neutral_more": _one(
            "Sto ancora confrontando le offerte.", "Sto leggendo le clausole.",
            "L'installazione ha richiesto circa un'ora.", "Contratto di due anni.",
            "Primo mese già pagato.", "Consegna prevista giovedì.",
        ),
        "neutral_end": _one(
            "Consigli benvenuti.", "Vi aggiorno.", "Vediamo.", "Esperienze?", "Chiedo solo.",
            "Grazie in anticipo.",
        ),
        "negative": (
            ("La bolletta", "La loro assistenza", "L'app", "La velocità la sera", "Il wifi",
             "Il tecnico", "Il contratto", "Il loro sito"),
            ("è un disastro.", "mi ignora da una settimana.", "mi delude sempre.",
             "costa più del pattuito.", "cade di continuo.", "confonde apposta.",
             "non mantiene mai le promesse.", "mi fa perdere tempo."),
        ),
        "negative_more": _one(
            "Costo di attivazione che nessuno aveva detto.",
            "Tre giorni per rispondere a una mail.", "Prezzo aumentato senza avviso.",
            "Mi disconnette continuamente.", "In camera il wifi non arriva.",
            "Nessuno si è presentato all'appuntamento.",
        ),
        "negative_end": _one(
            "Molto deluso.", "Per niente colpito.", "Che fastidio.", "Mi aspettavo di più.",
            "Penso di andarmene.", "Frustrante.",
        ),
    },
}
# fmt: on

#: (slot, how often it is used) in the order a post takes them.
_CRISIS_SLOTS: tuple[tuple[str, float], ...] = (
    ("problem", 1.0),
    ("place", 0.5),
    ("since", 0.8),
    ("outage", 1.0),
    ("cost", 0.6),
    ("support", 0.7),
    ("reaction", 1.0),
    ("reaction_end", 0.5),
)
_NORMAL_SLOTS: dict[str, tuple[tuple[str, float], ...]] = {
    tone: (
        ("topic", 1.0),
        ("place", 0.5),
        ("context", 0.6),
        (tone, 1.0),
        (f"{tone}_more", 0.6),
        (f"{tone}_end", 0.7),
    )
    for tone in ("positive", "neutral", "negative")
}
#: the tones of normal posts and their weights
_TONES = (("positive", 0.4), ("neutral", 0.3), ("negative", 0.3))
_ANGRY_EMOJI = ("😡", "🤬", "👎", "😤", "🙄")
_HAPPY_EMOJI = ("👍", "🙂", "🙌", "✨")

#: how many fixed crisis sentences each language had before the grammar: ``crisis_day`` still
#: draws one number from them per crisis post (and one from ``SENTENCES`` per normal post), so
#: that a seed's volumes, times and ids are the ones earlier benchmarks and tests saw
_CRISIS_DRAWS = {
    "en": 3,
    "es": 2,
    "id": 2,
    "hr": 2,
    "lv": 2,
    "ar": 2,
    "de": 1,
    "fr": 1,
    "pt": 1,
    "it": 1,
}


def post_text(rng: random.Random, lang: str, *, crisis: bool) -> str:
    """A post in ``lang`` from :data:`GRAMMAR`, with ``{b}`` where the brand goes: an angry one
    about the outage (``crisis``), else a positive, neutral or negative one (40/30/30)."""
    grammar = GRAMMAR[lang]
    if crisis:
        tone = "crisis"
        slots = _CRISIS_SLOTS
    else:
        tone = rng.choices([t for t, _ in _TONES], [w for _, w in _TONES])[0]
        slots = _NORMAL_SLOTS[tone]
    parts = [
        (key, " ".join(rng.choice(part) for part in grammar[key]))
        for key, share in slots
        if share >= 1.0 or rng.random() < share
    ]
    if crisis and rng.random() < 0.25:  # the anger first, sometimes
        parts.sort(key=lambda kv: kv[0] != "reaction")
    text = " ".join(t for _, t in parts)
    if crisis and rng.random() < 0.3:
        text += " " + rng.choice(_ANGRY_EMOJI)
    elif tone == "positive" and rng.random() < 0.25:
        text += " " + rng.choice(_HAPPY_EMOJI)
    return text


#: (brand id, handle, untagged references) — all from the sample brands file.
BRANDS: list[tuple[str, str, list[str]]] = [
    ("acme", "@acme", ["Acme", "Acme Corp", "#acme"]),
    ("globex", "@globex", ["Globex", "Globex Corporation", "#globex"]),
    ("initech", "@initech", ["Initech", "#initech"]),
]


@dataclass(frozen=True)
class SyntheticMention:
    value: dict[str, Any]
    lang: str
    brands: tuple[tuple[str, bool], ...]  # expected (brand id, tagged), sorted by id


def generate(
    n: int, *, seed: int = 7, start_ts: float, step_seconds: float = 0.5, id_prefix: str = "syn"
) -> Iterator[SyntheticMention]:
    """``n`` valid mentions: ~40% tagged, ~35% untagged, ~25% no brand, in 10 languages."""
    rng = random.Random(seed)
    langs = sorted(SENTENCES)
    for i in range(n):
        lang = langs[i % len(langs)]
        roll = rng.random()
        expected: tuple[tuple[str, bool], ...]
        if roll < 0.25:
            text = rng.choice(NO_BRAND[lang])
            expected = ()
        else:
            brand_id, handle, refs = rng.choice(BRANDS)
            tagged = roll < 0.65
            ref = handle if tagged else rng.choice(refs)
            text = rng.choice(SENTENCES[lang]).format(b=ref)
            expected = ((brand_id, tagged),)
        followers = int(rng.paretovariate(1.2) * 50)
        mid = f"{id_prefix}-{i}"
        value = {
            "id": mid,
            "platform": rng.choice(["twitter", "instagram", "facebook", "reddit", "news"]),
            "author": {
                "id": f"u-{rng.randrange(10**6)}",
                "handle": f"@user{rng.randrange(10**6)}",
                "name": "Synthetic User",
                "followers": followers,
            },
            "text": text,
            "created_at": iso_utc(start_ts + i * step_seconds),
            "url": f"https://example.social/p/{mid}",
            "engagement": {
                "likes": rng.randrange(0, 1 + followers // 10),
                "shares": rng.randrange(0, 1 + followers // 50),
                "replies": rng.randrange(0, 5),
            },
        }
        yield SyntheticMention(value, lang, expected)


def bad_messages(now_ts: float, *, max_text_chars: int = 40_000) -> list[tuple[bytes, str]]:
    """Malformed inputs, each unique, with the dead-letter reason the pipeline must give."""
    future = iso_utc(now_ts + 400 * 24 * 3600)
    cases: list[tuple[bytes, str]] = []
    for i in range(10):
        cases += [
            (b'{"id": "bad-json-%d", "text": "unterminated' % i, "not_json"),
            (b'["an", "array", %d]' % i, "not_object"),
            (b'{"id": "bad-notext-%d", "created_at": "2026-01-01T00:00:00Z"}' % i, "missing_field"),
            (b'{"text": "no id %d", "created_at": "2026-01-01T00:00:00Z"}' % i, "missing_field"),
            (b'{"id": "bad-nots-%d", "text": "no time"}' % i, "missing_field"),
            (
                b'{"id": "bad-future-%d", "text": "x", "created_at": "%s"}' % (i, future.encode()),
                "future_timestamp",
            ),
            (b"\xff\xfe\xfa not utf8 %d" % i, "not_utf8"),
            (
                b'{"id": "bad-bin-%d", "text": "\\u0000\\u0001\\u0002", "created_at": 1790000000}'
                % i,
                "binary_text",
            ),
            (
                b'{"id": "bad-followers-%d", "text": "x", "created_at": 1790000000, '
                b'"author": {"followers": -1}}' % i,
                "invalid_field",
            ),
        ]
    huge = (
        b'{"id": "bad-huge", "text": "'
        + b"a" * (max_text_chars + 1)
        + b'", "created_at": 1790000000}'
    )
    cases.append((huge, "text_too_long"))
    return cases


@dataclass(frozen=True)
class CrisisDay:
    """A day of seasonal traffic for some brands, with one injected negative crisis."""

    mentions: list[dict[str, Any]]  # in created_at order
    crisis_brand: str
    onset_ts: float  # first crisis post
    end_ts: float  # last crisis post
    crisis_ids: frozenset[str]


def poisson(rng: random.Random, lam: float, *, normal_above: float = math.inf) -> int:
    """A Poisson draw of mean ``lam``: Knuth's method (its cost grows with ``lam``), or the
    normal approximation above ``normal_above``."""
    if lam > normal_above:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def _mention(
    rng: random.Random, mid: str, text: str, ts: float, brand_handle: str | None
) -> dict[str, Any]:
    followers = int(rng.paretovariate(1.2) * 50)
    return {
        "id": mid,
        "platform": rng.choice(["twitter", "instagram", "facebook", "reddit"]),
        "author": {"handle": f"@user{rng.randrange(10**6)}", "followers": followers},
        "text": text,
        "created_at": iso_utc(ts),
        "url": f"https://example.social/p/{mid}",
        "engagement": {
            "likes": rng.randrange(0, 1 + followers // 10),
            "shares": rng.randrange(0, 1 + followers // 50),
            "replies": rng.randrange(0, 5),
        },
        "reply_to_handle": brand_handle if rng.random() < 0.1 else None,
    }


def daily_cycle(ts: float) -> float:
    """The daily cycle of :func:`crisis_day`'s traffic at ``ts`` (UTC seconds): a multiple of
    the mean rate, x0.4 at 04:00 to x1.6 at 16:00."""
    day_phase = ((ts % 86400) / 86400 - 4 / 24) * 2 * math.pi
    return 1 + 0.6 * math.sin(day_phase - math.pi / 2)


def crisis_day(
    *,
    start_ts: float,
    brands: tuple[str, ...] = ("acme", "globex"),
    crisis_brand: str = "acme",
    hours: float = 24.0,
    per_hour: float = 150.0,
    crisis_at_hour: float = 14.0,
    crisis_minutes: float = 60.0,
    crisis_per_hour: float = 450.0,
    dispersion: float = 8.0,
    seed: int = 11,
    id_prefix: str = "day",
) -> CrisisDay:
    """Mentions of ``brands`` over ``hours`` from ``start_ts``.

    Each brand's rate follows a daily cycle (x0.4 at night to x1.6 in the evening) with
    overdispersed noise (gamma-Poisson: variance well above the mean), in every language of
    ``SENTENCES``. From ``crisis_at_hour`` on, for ``crisis_minutes``, ``crisis_brand`` also gets
    ``crisis_per_hour`` angry posts on top of its normal traffic, about an outage: every one
    holds its language's :data:`CRISIS_THEME` word (en "outage", es "caída", id "gangguan",
    hr "kvar", lv "traucējumi", ar "انقطاع", de "Störung", fr "panne", pt "queda",
    it "guasto"), which no normal post holds.

    Texts are composed by :func:`post_text` from :data:`GRAMMAR` (independent slots of short
    phrases), so that, like real posts and unlike copies, two posts share few words: through
    ``streams.crisis.insight.BrandInsight`` about 1% of normal posts and 2% of crisis posts
    count as near-duplicate copies, at 150 to 3,000 mentions an hour and crises of up to 9,000
    an hour (``tests/streams/devstack/test_synthetic.py``). Texts come from their own random
    stream: volumes, times and ids are those of the fixed sentences this replaced.
    """
    rng = random.Random(seed)
    texts = random.Random(f"crisis_day texts {seed}")
    refs = {b: (h, r) for b, h, r in BRANDS}
    langs = sorted(SENTENCES)
    minute = 60.0
    out: list[dict[str, Any]] = []
    crisis_ids: set[str] = set()
    onset = start_ts + crisis_at_hour * 3600
    end = onset + crisis_minutes * 60
    first_crisis: float | None = None
    last_crisis = onset
    for m in range(int(hours * 60)):
        t0 = start_ts + m * minute
        cycle = daily_cycle(t0)
        for brand in brands:
            handle, names = refs[brand]
            lam = per_hour / 60 * cycle * rng.gammavariate(dispersion, 1 / dispersion)
            n = poisson(rng, lam)
            crisis_n = 0
            if brand == crisis_brand and onset <= t0 < end:
                crisis_n = poisson(rng, crisis_per_hour / 60)
            for j in range(n + crisis_n):
                lang = rng.choice(langs)
                ref = handle if rng.random() < 0.4 else rng.choice(names)
                ts = t0 + rng.random() * minute
                crisis = j >= n
                rng.randrange(_CRISIS_DRAWS[lang] if crisis else len(SENTENCES[lang]))
                text = post_text(texts, lang, crisis=crisis).replace("{b}", ref)
                mid = f"{id_prefix}-{'crisis-' if crisis else ''}{brand}-{m}-{j}"
                out.append(_mention(rng, mid, text, ts, handle))
                if crisis:
                    crisis_ids.add(mid)
                    first_crisis = ts if first_crisis is None else min(first_crisis, ts)
                    last_crisis = max(last_crisis, ts)
    out.sort(key=lambda v: v["created_at"])
    return CrisisDay(
        mentions=out,
        crisis_brand=crisis_brand,
        onset_ts=first_crisis if first_crisis is not None else onset,
        end_ts=last_crisis,
        crisis_ids=frozenset(crisis_ids),
    )


#: The demo's compressed history: 30 hours of two brands, a negative crisis for Acme at 26 h
#: (after the detector's first day, when it only alerts on the clearest anomalies).
HISTORY_HOURS = 30.0


def demo_history(now: float) -> list[dict[str, Any]]:
    """Past mentions for the demo and ``buzzwire replay --history`` (synthetic, seasonal),
    ending ``now``, with a crisis in them."""
    start = now - HISTORY_HOURS * 3600
    start -= start % 60
    day = crisis_day(
        start_ts=start,
        hours=HISTORY_HOURS,
        per_hour=300.0,
        crisis_at_hour=26.0,
        crisis_minutes=40.0,
        crisis_per_hour=2400.0,
        id_prefix=f"hist{now:.0f}",
    )
    return day.mentions
