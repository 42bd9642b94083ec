"""Reading many activities at once (ids passed as one JSON array) gives what reading them in
IN (...) lists gives."""

from __future__ import annotations

import desktop.engine.store.store as store_module
from desktop.engine.span import Classification, Span
from desktop.engine.store import Store
from tests.store_helpers import T0


def test_many_ids_read_as_few(tmp_path, monkeypatch):
    store = Store(tmp_path / "tf.sqlite3", device="dev-a")
    try:
        store.add_spans([Span(T0 + 60 * k, T0 + 60 * k + 30, source="window", app=f"app{k}",
                              site=f"s{k % 3}.org" if k % 2 else None) for k in range(40)])
        ids = sorted(store.activity_ids())
        store.save_classifications("fp", {i: Classification(f"p{i % 4}", "coding", 1)
                                          for i in ids[::2]})
        wanted = {*ids[1:30], 10**9}  # one unknown id
        few = (store.activity_columns(wanted, ("project", "site", "app")),
               store.cached_classifications("fp", wanted))
        monkeypatch.setattr(store_module, "_BULK", 0)
        many = (store.activity_columns(wanted, ("project", "site", "app")),
                store.cached_classifications("fp", wanted))
        assert many == few
        assert len(few[0]) == 29 and len(few[1]) == len([i for i in ids[::2] if i in wanted])
    finally:
        store.close()
