"""Value classes without dataclasses, for the watchers and the engine (this module sits below
both): importing `dataclasses` (it imports `inspect`) and making each class's methods with
`exec` cost `timeforged status` ~10 ms and `timeforged now` ~16 ms. A record's fields are its
`__slots__`, in the order of its `__init__`'s arguments (which the subclass writes out);
equality, repr and `replace` are a dataclass's."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, Self


class Record:
    """Equal to a record of the same class with equal fields; unhashable, as a mutable
    dataclass."""

    __slots__ = ()
    _get: ClassVar[Callable[[Any], tuple]]  # the fields' values, in order

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = cls.__dict__.get("__slots__", ())
        if fields:
            get = attrgetter(*fields)
            cls._get = staticmethod(get if len(fields) > 1 else lambda r: (get(r),))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._get(self) == self._get(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({shown})"

    def __reduce__(self) -> tuple:
        return type(self), self._get(self)

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes` (as dataclasses.replace)."""
        fields = self.__slots__
        values = dict(zip(fields, self._get(self), strict=True))
        values.update(changes)
        if len(values) != len(fields):  # a name that is no field was added
            unknown = changes.keys() - set(fields)
            raise TypeError(f"{type(self).__qualname__} has no field {min(unknown)!r}")
        return type(self)(**values)


class Frozen(Record):
    """A record whose fields cannot be assigned after `__init__` (which sets them through
    `object.__setattr__`); hashable by its fields, as a frozen dataclass."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._get(self))
