# The Celery app (emulation/celery.py) is loaded by the worker and beat
# (`celery -A emulation`, which finds emulation.celery) and by the tasks module
# that defines the tasks; the web process does not import Celery at start-up (#17).
