"""The state machine of the ledgers, run by the one engine in quanfu/transitions.py: a
background export (pending → running → done or failed). Its steps are taken by the worker
(ledgers.services.run_export_job), each a conditional UPDATE of the one row
(``move_all``): the claim's row count says which of two deliveries of a job writes it.
A run cut short (its worker died) is handed out again, or failed after the last allowed
run, by the sweep (ledgers.services.requeue_stale_exports), with the same conditional UPDATE.

Its history: the access log's export entry when it was requested (naming the job), and
the job row's own stamps (finished_at, error); the owner is told in the inbox.
"""

from ledgers.choices import ExportAction, ExportStatus
from ledgers.models import ExportJob
from quanfu.transitions import Transition, TransitionTable, nobody

E = ExportStatus
EXPORT_TRANSITIONS = TransitionTable(
    model=ExportJob, actions=ExportAction, states=ExportStatus,
    transitions=[
        Transition(ExportAction.CLAIM, frozenset({E.PENDING}), E.RUNNING, who=nobody,
                   who_label="the export worker (one of two deliveries wins)"),
        Transition(ExportAction.FINISH, frozenset({E.RUNNING}), E.DONE, who=nobody,
                   who_label="the export worker (file stored, owner told)"),
        Transition(ExportAction.FAIL, frozenset({E.RUNNING}), E.FAILED, who=nobody,
                   who_label="the export worker (the file could not be written), or the "
                             "sweep (a job whose every run was cut short)"),
        Transition(ExportAction.REQUEUE, frozenset({E.RUNNING}), E.PENDING, who=nobody,
                   who_label="the sweep (a run cut short: its worker died)"),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [EXPORT_TRANSITIONS]
