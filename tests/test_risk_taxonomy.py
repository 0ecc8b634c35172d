"""The taxonomy describes hazards, not people: five subtypes that named classes of residents
are retired (kept for history, inactive), refused on reports, imports and the API with
their replacement named, listed under the new name in filters; the migration moved their
matters with an event each, and reverses."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from risks import services
from risks.choices import EventKind
from risks.models import Risk, RiskEvent, Subtype
from tests.test_ledgers_import import import_rows, sheet_row

MIGRATION = importlib.import_module("risks.migrations.0010_retire_subtypes_about_people")
RETIRED = list(MIGRATION.REPLACEMENTS)
REPLACEMENT = {old: new for old, (new, _name, _reason) in MIGRATION.REPLACEMENTS.items()}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def subtype(code) -> Subtype:
    return Subtype.objects.select_related("category", "replaced_by").get(code=code)


def test_retired_subtypes_are_kept_inactive_and_point_at_their_replacement(categories):
    for old, new in REPLACEMENT.items():
        retired = subtype(old)
        assert not retired.is_active and retired.replaced_by.code == new
        assert subtype(new).is_active and subtype(new).category_id == retired.category_id


@pytest.mark.parametrize("old", RETIRED)
def test_report_with_a_retired_subtype_is_refused_naming_its_replacement(old, officer_a,
                                                                         report):
    retired = subtype(old)
    with pytest.raises(services.RuleBroken) as refused:
        report(officer_a, category=retired.category, subtype=retired)
    assert refused.value.field == "subtype"
    assert retired.replaced_by.name in str(refused.value.message)
    assert REPLACEMENT[old] in str(refused.value.message)
    assert not Risk.objects.exists()


@pytest.mark.parametrize("old", RETIRED)
def test_api_refuses_a_retired_subtype_with_a_400_naming_the_replacement(old, api, officer_a,
                                                                         street, categories):
    retired = subtype(old)
    api.force_authenticate(officer_a)
    response = api.post("/api/v1/risks/", {
        "title": "拖欠工资纠纷", "description": "企业拖欠工资，需协调支付。",
        "category": retired.category.code, "subtype": old, "area": street.grid_a1.pk},
        format="json")
    assert response.status_code == 400
    assert REPLACEMENT[old] in response.json()["subtype"][0]
    assert not Risk.objects.exists()


def test_changing_a_matter_to_a_retired_subtype_is_refused(api, officer_a, report):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    response = api.patch(f"/api/v1/risks/{risk.pk}/", {
        "version": risk.version, "category": "mass_interest", "subtype": "group_grievance"},
        format="json")
    assert response.status_code == 400 and "collective_interest_dispute" in str(response.json())
    assert Risk.objects.get(pk=risk.pk).version == risk.version


@pytest.mark.parametrize("old", RETIRED)
def test_import_refuses_a_retired_subtype_naming_the_cell_and_replacement(old, officer_a,
                                                                          street, categories):
    retired = subtype(old)
    outcome = import_rows(officer_a, [sheet_row(), sheet_row(
        类别=retired.category.name, 子类=retired.name, 事项名称="另一件事项")])
    [error] = outcome.check.errors
    assert (error.row, error.column, error.field) == (3, "D", "子类")
    assert retired.replaced_by.name in error.message
    assert not Risk.objects.exists()


def test_report_form_offers_no_retired_subtype_and_refuses_one_posted(client, officer_a,
                                                                      street, categories):
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_create")).content.decode()
    assert "利益诉求群体聚集风险" not in page and "多人涉及的利益纠纷" in page
    retired = subtype("group_grievance")
    response = client.post(reverse("risks:risk_create"), {
        "area": street.grid_a1.pk, "category": retired.category_id, "subtype": retired.pk,
        "title": "欠薪纠纷", "description": "企业拖欠工资。", "source": "grid_patrol",
        "party_relation": "party"})
    assert response.status_code == 200
    assert "多人涉及的利益纠纷" in str(response.context["form"].errors["subtype"])
    assert not Risk.objects.exists()


def test_categories_api_lists_each_subtype_with_active(api, officer_a, categories):
    api.force_authenticate(officer_a)
    [mass] = [row for row in api.get("/api/v1/categories/").json()
              if row["code"] == "mass_interest"]
    listed = {row["code"]: row for row in mass["subtypes"]}
    assert listed["group_grievance"]["active"] is False
    assert listed["group_grievance"]["replaced_by"] == "collective_interest_dispute"
    assert listed["collective_interest_dispute"]["active"] is True
    assert list(listed)[-1] in RETIRED  # retired ones after the ones in use


def test_filter_by_a_retired_code_finds_the_matters_under_the_new_name(api, leader, report,
                                                                       officer_a):
    new = subtype("collective_interest_dispute")
    moved = report(officer_a, category=new.category, subtype=new, title="欠薪纠纷")
    report(officer_a, title="邻里纠纷")
    api.force_authenticate(leader)
    for code in ("collective_interest_dispute", "group_grievance"):
        results = api.get("/api/v1/risks/", {"subtype": code}).json()["results"]
        assert [row["code"] for row in results] == [moved.code]
    assert api.get("/api/v1/risks/", {"subtype": "no_such_code"}).json()["results"] == []


def test_the_migration_moves_matters_with_an_event_each_and_reverses(officer_a, report,
                                                                     categories):
    MIGRATION.restore(apps, None)  # back to before the migration: the old subtypes in use
    old = subtype("new_economy_workers")
    assert old.is_active
    first = report(officer_a, category=old.category, subtype=old, title="平台扣罚纠纷")
    second = report(officer_a, category=old.category, subtype=old, title="站点工资纠纷")

    MIGRATION.retire(apps, None)

    new = subtype("platform_work_disputes")
    for risk in (first, second):
        moved = Risk.objects.get(pk=risk.pk)
        assert moved.subtype_id == new.pk and moved.version == risk.version + 1
        event = RiskEvent.objects.get(risk=risk, kind=EventKind.SUBTYPE_MOVED)
        assert event.changes["subtype_code"] == ["new_economy_workers", "platform_work_disputes"]
        assert event.changes["subtype"] == [old.name, new.name] and "分类调整" in event.note
    assert not subtype("new_economy_workers").is_active

    MIGRATION.restore(apps, None)

    assert Risk.objects.get(pk=first.pk).subtype.code == "new_economy_workers"
    assert RiskEvent.objects.filter(risk=first, kind=EventKind.SUBTYPE_MOVED).count() == 2
    assert subtype("new_economy_workers").is_active
    MIGRATION.retire(apps, None)  # leave the taxonomy as the migrations made it


def test_a_sheet_import_takes_the_new_subtypes_and_the_people_involved(officer_a, street,
                                                                       categories):
    result = import_rows(officer_a, [sheet_row(类别="mass_interest",
                                               子类="collective_interest_dispute",
                                               涉及人数=30)])
    assert result.check.errors == []
    [risk] = result.created
    assert (risk.subtype.code, risk.people_involved) == ("collective_interest_dispute", 30)
