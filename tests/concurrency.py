"""Run the same work in several threads at the same moment, as several workers or schedulers would."""
from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(app, work: Callable[[], object], workers: int = 2) -> tuple[list, list[Exception]]:
    """Start `work` in `workers` threads together, each in its own app context and database session;
    returns what each returned and what each raised."""
    from mutualaid.extensions import db

    barrier, results, errors = threading.Barrier(workers), [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                results.append(work())
            except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
