"""Strong password rules: at least 12 characters mixing three kinds of characters, applied
wherever a person chooses a password (the password change page), not where code sets one."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.password_rules import CharacterKindsValidator, character_kinds
from tests.conftest import PASSWORD

STRONG = "Quanfu-2024-risk"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def messages_for(password, user=None) -> list[str]:
    with translation.override("en"):
        try:
            validate_password(password, user)
        except ValidationError as error:
            return error.messages
    return []


def test_a_long_password_mixing_three_kinds_of_characters_passes():
    assert messages_for(STRONG) == []
    assert messages_for("全福街道risk2024check") == []  # Chinese counts as "other"


def test_a_password_shorter_than_twelve_characters_is_refused():
    assert any("at least 12 characters" in message for message in messages_for("Qf-2024-ab"))


@pytest.mark.parametrize("password", ["onlylowercaseletters", "ONLYUPPERCASE2024",
                                      "lowerandUPPERonly", "1234567890123-"])
def test_a_password_of_fewer_than_three_kinds_of_characters_is_refused(password):
    messages = messages_for(password)
    assert any("too few kinds of characters" in message for message in messages), messages


def test_the_kinds_of_characters_are_told_apart():
    assert character_kinds("aB3-") == {"lower", "upper", "digit", "other"}
    assert character_kinds("街道ab") == {"lower", "other"}


def test_the_rule_explains_itself_in_the_help_text():
    with translation.override("en"):
        assert "at least 3 of these" in CharacterKindsValidator().get_help_text()


def test_setting_a_password_in_code_does_not_validate(officer_a):
    # The demo loader and the test personas keep their short shared password.
    assert officer_a.check_password(PASSWORD)


def test_password_change_page_refuses_a_weak_password_with_the_rules_message(client,
                                                                              officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "lowercaseonlyletters",
        "new_password2": "lowercaseonlyletters"})
    assert response.status_code == 200
    assert "too few kinds of characters" in response.content.decode()
    assert User.objects.get(pk=officer_a.pk).check_password(PASSWORD)


def test_password_change_page_refuses_a_short_password(client, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Qf-24-ab", "new_password2": "Qf-24-ab"})
    assert "at least 12 characters" in response.content.decode()
    assert User.objects.get(pk=officer_a.pk).check_password(PASSWORD)


def test_password_change_page_accepts_a_strong_password_and_keeps_the_session(client,
                                                                              officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
        follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "Your password has been changed." in response.content.decode()
    assert User.objects.get(pk=officer_a.pk).check_password(STRONG)
    assert client.get(reverse("home")).status_code == 200


def test_password_change_page_needs_the_old_password(client, officer_a):
    client.force_login(officer_a)
    client.post(reverse("accounts:password_change"), {
        "old_password": "not-the-old-one", "new_password1": STRONG, "new_password2": STRONG})
    assert User.objects.get(pk=officer_a.pk).check_password(PASSWORD)


def test_password_change_page_needs_a_login(client, db):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_profile_page_shows_who_i_am_and_links_to_the_password_change(client, officer_a):
    client.force_login(officer_a)
    response = client.get(reverse("accounts:profile"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "officer_a" in content and "花园社区" in content
    assert reverse("accounts:password_change") in content
