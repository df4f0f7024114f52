"""A user's brand scope, applied inside every query (never only in a template).

``Scope.everything()`` sees every brand (an admin, or a user made with ``--all-brands``);
otherwise only the brands listed. ``where(column)`` is the SQL condition that keeps a query to
them: an empty scope matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, true


@dataclass(frozen=True, slots=True)
class Scope:
    all_brands: bool
    brands: frozenset[str] = frozenset()

    @classmethod
    def everything(cls) -> Scope:
        return cls(all_brands=True)

    @classmethod
    def of(cls, brands: Iterable[str]) -> Scope:
        return cls(all_brands=False, brands=frozenset(brands))

    def allows(self, brand: str) -> bool:
        return self.all_brands or brand in self.brands

    def where(self, column: Any) -> ColumnElement[bool]:
        """The condition on a brand ``column`` that keeps rows to this scope."""
        if self.all_brands:
            return true()
        if not self.brands:
            return false()
        return column.in_(sorted(self.brands))

    def narrow(self, brands: Iterable[str] | None) -> Scope:
        """This scope limited to ``brands`` (a filter); never wider than it was."""
        if brands is None:
            return self
        wanted = frozenset(brands)
        return Scope.of(wanted if self.all_brands else wanted & self.brands)
