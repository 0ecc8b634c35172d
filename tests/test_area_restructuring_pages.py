"""The pages of a change of areas (区域调整): an officer asks for a split from the grid's
page, sees the preview, a street leader approves it where approvals are, and every action
lands on the change's page with a message; the area pages show the areas in time."""

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.choices import AreaChangeKind, AreaChangeState
from grids.models import Area, AreaChange
from grids.restructuring import approve_change, request_change
from risks.models import Risk
from tests.conftest import make_user

TODAY = timezone.localdate


@pytest.fixture
def officer_client(client, officer_a):
    client.force_login(officer_a)
    return client


def test_an_officer_asks_for_a_split_and_lands_on_its_preview(
        officer_client, report, officer_a, street):
    nowhere = report(officer_a, title="停车纠纷待核实")
    grid_page = officer_client.get(reverse("grids:area_detail", args=[street.grid_a1.pk]))
    split_url = reverse("grids:area_change_request", args=[street.grid_a1.pk, "split"])
    assert split_url in grid_page.content.decode()

    form = {"parts": "S1-A-G1a 花园第1网格西\nS1-A-G1b 花园第1网格东",
            "effective_on": TODAY().isoformat(), "reason": "户数超过500户，按道路拆分。",
            f"microgrid_{street.micro_a1.pk}": "2"}
    refused = officer_client.post(split_url, form)
    assert refused.status_code == 400
    assert nowhere.code in refused.context["form"].errors[f"matter_{nowhere.pk}"][0]
    assert not AreaChange.objects.exists()

    sent = officer_client.post(split_url, {**form, f"matter_{nowhere.pk}": "2"}, follow=True)
    change = AreaChange.objects.get()
    assert sent.redirect_chain[-1][0] == reverse("grids:area_change_detail", args=[change.pk])
    page = sent.content.decode()
    assert "S1-A-G1b 花园第1网格东" in page and nowhere.code in page
    assert 'data-testid="preview-problems"' not in page
    assert list(sent.context["messages"])
    assert change.spec["matters"] == {str(nowhere.pk): 2}


def test_a_leader_approves_from_the_approvals_count_and_sees_what_moved(
        client, report, officer_a, leader, street):
    risk = report(officer_a, area=street.grid_a2)
    change = request_change(actor=officer_a, kind=AreaChangeKind.RETIRE, area=street.grid_a2,
                            effective_on=TODAY(), reason="学校搬迁。",
                            spec={"target": street.grid_a1.pk})
    client.force_login(leader)
    approvals = client.get(reverse("risks:approval_list")).content.decode()
    assert 'data-testid="approvals-pending">1<' in approvals
    assert 'data-testid="area-changes-to-decide"' in approvals
    detail = client.get(reverse("grids:area_change_detail", args=[change.pk])).content.decode()
    assert reverse("grids:area_change_approve", args=[change.pk]) in detail
    assert risk.code in detail

    done = client.post(reverse("grids:area_change_approve", args=[change.pk]), follow=True)
    assert done.redirect_chain[-1][0] == reverse("grids:area_change_detail", args=[change.pk])
    assert 'data-testid="applied"' in done.content.decode()
    assert Risk.objects.get(pk=risk.pk).area_id == street.grid_a1.pk
    retired = client.get(reverse("grids:area_detail", args=[street.grid_a2.pk])).content.decode()
    assert 'data-testid="area-closed"' in retired and 'data-testid="successors"' in retired
    assert reverse("grids:area_change_request", args=[street.grid_a2.pk, "split"]) \
        not in retired


def test_the_requester_sees_no_decision_and_a_refusal_lands_back_with_its_reason(
        client, officer_a, leader, street):
    change = request_change(actor=officer_a, kind=AreaChangeKind.RENAME, area=street.grid_a1,
                            effective_on=TODAY(), reason="道路更名。", spec={"name": "花园一网格"})
    client.force_login(officer_a)
    page = client.get(reverse("grids:area_change_detail", args=[change.pk])).content.decode()
    assert reverse("grids:area_change_approve", args=[change.pk]) not in page
    assert reverse("grids:area_change_withdraw", args=[change.pk]) in page
    assert client.post(reverse("grids:area_change_approve", args=[change.pk])
                       ).status_code == 403

    client.force_login(leader)
    url = reverse("grids:area_change_detail", args=[change.pk])
    empty = client.post(reverse("grids:area_change_refuse", args=[change.pk]), {"note": ""},
                        HTTP_REFERER=f"http://testserver{url}", follow=True)
    assert empty.redirect_chain[-1][0].endswith(url)
    assert [str(message) for message in empty.context["messages"]]
    assert AreaChange.objects.get().state == AreaChangeState.REQUESTED
    client.post(reverse("grids:area_change_refuse", args=[change.pk]),
                {"note": "请先征求居民意见。"})
    assert AreaChange.objects.get().state == AreaChangeState.REFUSED
    assert Area.objects.get(pk=street.grid_a1.pk).name == "花园第1网格"


def test_the_list_of_changes_reads_a_fixed_number_of_queries(
        client, officer_a, leader, street, django_assert_max_num_queries):
    for number in range(12):
        request_change(actor=officer_a, kind=AreaChangeKind.RENAME, area=street.grid_a1,
                       effective_on=TODAY(), reason="道路更名。",
                       spec={"name": f"花园第1网格{number}"})
    client.force_login(leader)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("grids:area_change_list"))
    assert page.content.decode().count('data-testid="change-row"') == 12


def test_an_area_page_shows_its_predecessors_and_the_closed_area_is_marked_in_the_picker(
        client, officer_a, leader, street):
    change = request_change(actor=officer_a, kind=AreaChangeKind.MERGE, area=street.grid_a1,
                            effective_on=TODAY(), reason="户数不足，合并。",
                            spec={"areas": [street.grid_a1.pk, street.grid_a2.pk],
                                  "into": {"code": "S1-A-G9", "name": "花园合并网格"}})
    approve_change(change, actor=leader)
    merged = Area.objects.get(code="S1-A-G9")
    client.force_login(make_user("officer_a2", "community_officer", street.community_a))
    page = client.get(reverse("grids:area_detail", args=[merged.pk])).content.decode()
    assert 'data-testid="predecessors"' in page and "育英中学专属网格" in page
    assert 'data-testid="area-opened"' in page
    found = client.get(reverse("grids:area_search"), {"q": "育英"}).json()["results"]
    # still found (the register filters by it: history), marked as closed
    label = "花园社区 / 育英中学专属网格"
    assert found[0]["text"].startswith(label) and found[0]["text"] != label


@pytest.mark.parametrize("kind", ["split", "merge", "retire", "move", "rename", "recode"])
def test_each_kind_has_its_request_form(client, leader, street, kind):
    client.force_login(leader)
    page = client.get(reverse("grids:area_change_request", args=[street.grid_a1.pk, kind]))
    assert page.status_code == 200
    assert 'data-testid="change-request-form"' in page.content.decode()


def test_merge_move_and_recode_requests_from_their_forms(client, officer_a, street):
    client.force_login(officer_a)
    today = TODAY().isoformat()
    client.post(reverse("grids:area_change_request", args=[street.grid_a1.pk, "merge"]),
                {"others": [street.grid_a2.pk], "code": "S1-A-G9", "name": "花园合并网格",
                 "effective_on": today, "reason": "户数不足，合并。"})
    client.post(reverse("grids:area_change_request", args=[street.micro_a1.pk, "move"]),
                {"parent": street.grid_a2.pk, "effective_on": today, "reason": "楼栋划转。"})
    client.post(reverse("grids:area_change_request", args=[street.grid_a2.pk, "recode"]),
                {"code": "S1-A-G2x", "official_code": "", "effective_on": today,
                 "reason": "统一编码。"})
    specs = {change.kind: change.spec for change in AreaChange.objects.all()}
    assert specs["merge"]["areas"] == [street.grid_a1.pk, street.grid_a2.pk]
    assert specs["move"]["parent"] == street.grid_a2.pk
    assert specs["recode"]["code"] == "S1-A-G2x"
    assert {change.community_id for change in AreaChange.objects.all()} == {
        street.community_a.pk}
    # another community's grid is not offered as a new parent
    form = client.get(reverse("grids:area_change_request", args=[street.micro_a1.pk, "move"]))
    assert street.grid_b1.pk not in [area.pk for area in
                                     form.context["form"].fields["parent"].queryset]
