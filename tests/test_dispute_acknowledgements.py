"""The city one-stop platform acknowledges the dispute records it took
(``ledgers/disputes/{id}/ack/``, issue 21): the feed shows it and filters ``acked=false``,
a record changed after it was taken shows as not taken again, and the disputes ledger page
counts what is not taken yet."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from ledgers.acknowledgements import acknowledge_dispute, not_taken_count
from ledgers.models import DisputeAcknowledgement
from quanfu.errors import StaleVersion
from risks import services as risk_services
from risks.models import Risk

FEED_URL = reverse("api:ledger-disputes")


def ack_url(risk) -> str:
    return reverse("api:ledger-dispute-ack", args=[risk.pk])


@pytest.fixture(autouse=True)
def settled_at_once(settings):
    settings.SYNC_SETTLE_SECONDS = 0


@pytest.fixture
def disputes(report, officer_a):
    return [report(officer_a, title=f"邻里纠纷{number}") for number in range(3)]


def feed(api, **params) -> dict:
    response = api.get(FEED_URL, params)
    assert response.status_code == 200, response.content
    return {record["id"]: record for record in response.json()["results"]}


def test_the_platform_acknowledges_a_record_and_the_feed_shows_it(api, api_client_user,
                                                                  disputes):
    taken = disputes[0]
    api.force_authenticate(api_client_user)
    response = api.post(ack_url(taken), {"platform_ref": "JN-YZS-0001"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["platform_ref"] == "JN-YZS-0001"
    assert response.json()["acked_version"] == taken.version

    records = feed(api)
    assert records[taken.pk]["acked"] is True
    assert records[taken.pk]["platform_ref"] == "JN-YZS-0001"
    assert records[taken.pk]["acked_at"] is not None
    assert {records[other.pk]["acked_at"] for other in disputes[1:]} == {None}
    # the acknowledgement is no change of the matter: the sync walk does not bring it back
    assert Risk.objects.get(pk=taken.pk).version == taken.version


def test_acked_false_lists_only_what_the_platform_has_not_taken(api, api_client_user,
                                                                disputes):
    api.force_authenticate(api_client_user)
    api.post(ack_url(disputes[0]), {"platform_ref": "A-1"}, format="json")
    assert set(feed(api, acked="false")) == {disputes[1].pk, disputes[2].pk}
    assert set(feed(api, acked="true")) == {disputes[0].pk}


def test_a_record_changed_after_it_was_taken_shows_as_not_taken_again(api, api_client_user,
                                                                     disputes, officer_a):
    taken = disputes[0]
    api.force_authenticate(api_client_user)
    api.post(ack_url(taken), {"platform_ref": "A-1", "version": taken.version},
             format="json")
    assert taken.pk not in feed(api, acked="false")

    risk_services.add_note(taken, actor=officer_a, note="双方已初步达成调解意向。")

    record = feed(api, acked="false")[taken.pk]
    assert (record["acked"], record["acked_at"], record["platform_ref"]) == (False, None, "A-1")
    # taken again, as it is now
    again = api.post(ack_url(taken), {"platform_ref": "A-1", "version": record["version"]},
                     format="json")
    assert again.status_code == 200
    assert taken.pk not in feed(api, acked="false")


def test_acknowledging_a_version_changed_since_is_409_and_records_nothing(
        api_client_user, disputes, officer_a):
    taken = disputes[0]
    read_version = taken.version
    risk_services.add_note(taken, actor=officer_a, note="补充调解记录。")
    with pytest.raises(StaleVersion):
        acknowledge_dispute(taken, actor=api_client_user, platform_ref="A-1",
                            version=read_version)
    assert not DisputeAcknowledgement.objects.exists()


def test_the_api_answers_409_for_a_stale_version(api, api_client_user, disputes, officer_a):
    taken = disputes[0]
    risk_services.add_note(taken, actor=officer_a, note="补充调解记录。")
    api.force_authenticate(api_client_user)
    response = api.post(ack_url(taken), {"platform_ref": "A-1", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == taken.version + 1
    assert not DisputeAcknowledgement.objects.exists()


def test_only_the_platforms_client_acknowledges(api, leader, officer_a, disputes):
    for person in (leader, officer_a):
        api.force_authenticate(person)
        response = api.post(ack_url(disputes[0]), {"platform_ref": "A-1"}, format="json")
        assert response.status_code == 403
    assert not DisputeAcknowledgement.objects.exists()


def test_a_matter_that_is_no_dispute_or_outside_the_scope_is_not_found(
        api, api_client_user, report, officer_a, other_street_leader, street, categories):
    hazard = report(officer_a, category=categories["public_order"], title="充电隐患")
    elsewhere = report(other_street_leader, area=street.community_other)
    api.force_authenticate(api_client_user)
    for risk in (hazard, elsewhere):
        assert api.post(ack_url(risk), {"platform_ref": "A-1"},
                        format="json").status_code == 404
    assert not DisputeAcknowledgement.objects.exists()


def test_an_empty_reference_is_refused_naming_the_field(api, api_client_user, disputes):
    api.force_authenticate(api_client_user)
    response = api.post(ack_url(disputes[0]), {"platform_ref": "  "}, format="json")
    assert response.status_code == 400 and "platform_ref" in response.json()


def test_the_acknowledgement_is_audited_under_the_clients_name(api, api_client_user,
                                                               disputes):
    api.force_authenticate(api_client_user)
    api.post(ack_url(disputes[0]), {"platform_ref": "A-1"}, format="json")
    entry = AuditEntry.objects.filter(model_label="ledgers.disputeacknowledgement").get()
    assert (entry.action, entry.actor_id) == ("create", api_client_user.pk)


def test_the_disputes_ledger_page_counts_what_is_not_taken_yet(client, leader, api_client_user,
                                                               disputes, officer_a):
    acknowledge_dispute(disputes[0], actor=api_client_user, platform_ref="A-1")
    acknowledge_dispute(disputes[1], actor=api_client_user, platform_ref="A-2")
    risk_services.add_note(disputes[1], actor=officer_a, note="又有新情况。")
    assert not_taken_count(Risk.objects.all()) == 2

    client.force_login(leader)
    page = client.get(reverse("ledgers:ledger_page", args=["disputes"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 条记录尚未被市“一站式”平台接收" in text
    assert 'data-testid="not-taken"' in text
    # other ledgers say nothing of the city platform
    online = client.get(reverse("ledgers:ledger_page", args=["online"])).content.decode()
    assert 'data-testid="not-taken"' not in online


def test_the_ack_endpoint_and_filter_are_in_the_openapi_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "post" in schema["paths"]["/api/v1/ledgers/disputes/{id}/ack/"]
    feed_parameters = {parameter["name"] for parameter in
                       schema["paths"]["/api/v1/ledgers/disputes/"]["get"]["parameters"]}
    assert "acked" in feed_parameters
    record = schema["components"]["schemas"]["DisputeRecord"]["properties"]
    assert {"acked", "acked_at", "platform_ref", "version"} <= set(record)
