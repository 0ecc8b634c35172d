"""The matter's timeline speaks the users' language for the flow's events too: a pause,
a resume, an approval and a warning show as words, never as the event's keys."""

import re

from django.utils import translation

from risks import approvals, services
from risks.choices import Action
from risks.models import RiskEvent
from risks.timeline import timeline_entries

A_KEY = re.compile(r"^[a-z_]+$")


def test_a_pause_and_a_resume_read_as_words(ready_to_start, officer_a, leader):
    risk = services.start_risk(ready_to_start(title="商铺租金纠纷"), actor=officer_a)
    approval = approvals.request_approval(risk, kind="pause", actor=officer_a,
                                          reason="双方已诉至法院，等待判决。")
    approvals.decide_approval(approval, approve=True, note="同意中止。", actor=leader)
    risk.refresh_from_db()
    services.transition_risk(risk, Action.RESUME, actor=officer_a, version=risk.version,
                             note="法院已判决，恢复计时。")
    with translation.override("zh-hans"):
        entries = timeline_entries(RiskEvent.objects.filter(risk=risk).order_by("created_at",
                                                                                 "id"))
        titles = [entry.title for entry in entries]
        labels = [change.label for entry in entries for change in entry.changes]
        values = [change.new for entry in entries for change in entry.changes]
    assert {"申请审批", "审批通过", "中止计时", "恢复计时"} <= set(titles), titles
    assert not [label for label in labels if A_KEY.match(str(label))], labels
    assert "办理" in values  # the paused stage by its name, not "handle"


def test_a_warning_and_its_feedback_read_as_words(ready_to_start, officer_a, leader):
    from rhythm import services as rhythm_services  # tests stand above every layer

    risk = ready_to_start(title="物业费用纠纷")
    warning = rhythm_services.issue_warning(risk, actor=leader, content="请于两日内反馈进展。")
    rhythm_services.record_feedback(warning, actor=officer_a, content="已约谈双方。")
    with translation.override("zh-hans"):
        entries = timeline_entries(RiskEvent.objects.filter(risk=risk).order_by("created_at",
                                                                                 "id"))
        changes = [(str(change.label), change.new) for entry in entries
                   for change in entry.changes]
    assert ("已反馈", "是") in changes and ("T+2 内反馈", "是") in changes, changes
    assert not [label for label, _value in changes if A_KEY.match(label)], changes
