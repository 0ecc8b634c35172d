"""The grid worker's phone without a network (issue 19): the app is installable, its pages
open offline, what the worker sends offline is kept as a draft on the phone (IndexedDB),
counted in the header, listed on the drafts page, and sent when the worker sends it, once:
the same draft sent again makes no second matter (its Idempotency-Key). A draft the
server refuses meanwhile (its subtype retired) comes back with the server's message and
is corrected and sent, never lost.

A phone of 390 × 844 in Debian's chromium; the network is cut with Playwright's
``set_offline``, which the service worker's own requests obey too. Selectors are
data-testid attributes, so that the test holds in either language.
"""

import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from rhythm.models import InstructionRecipient, ZeroReport
from rhythm.services import send_instruction
from risks.models import Risk, Subtype
from tests.conftest import log_in, seed_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_VIEWPORT = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots/h4")
SENDING_TIMEOUT = 60_000  # ms: the matter, then the photo re-encoded on a busy machine
TITLE = "五号楼地下室电动车违规充电"
DESCRIPTION = "地下室多辆电动车私拉电线充电，住户担心起火，物业劝阻无效。"
ADDRESS = "花园路18号5号楼地下室"
POSITION = {"latitude": 36.671234, "longitude": 117.021456, "accuracy": 15}
GPS = {1: "N", 2: (36.0, 40.0, 12.0), 3: "E", 4: (117.0, 1.0, 30.0)}  # 36.67°N 117.03°E
MAKE = 0x010F
GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def seeded_categories(transactional_db):
    """The categories as their data migration seeds them (a transactional test that ran
    earlier in this worker has flushed every table)."""
    seed_taxonomy()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True,
                                  geolocation=POSITION)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == []


@pytest.fixture
def photo_with_gps(tmp_path):
    """A phone photo that says where it was taken and by which device."""
    exif = Image.Exif()
    exif[MAKE] = "TestPhone"
    exif[GPS_IFD] = GPS
    path = tmp_path / "scene.jpg"
    Image.new("RGB", (2400, 1800), (150, 120, 90)).save(path, "JPEG", exif=exif)
    assert Image.open(path).getexif().get_ifd(GPS_IFD)  # it really carries a position
    return path


def open_report_form_ready_for_offline(phone, username="grid_a1"):
    log_in(phone, username)
    phone.wait_for_url("**/")
    phone.goto("/risks/new/")
    # the service worker is active and keeps the worker's pages (this page may have opened
    # while it was being installed: reloaded, it comes from the worker)
    phone.wait_for_selector("html[data-qf-offline-ready]")


def fill_report(phone, subtype, photo=None):
    phone.select_option("#id_category", str(subtype.category_id))
    phone.select_option("#id_subtype", str(subtype.pk))
    phone.fill("#id_title", TITLE)
    phone.fill("#id_description", DESCRIPTION)
    phone.fill("#id_people_involved", "12")
    phone.fill("#id_address", ADDRESS)
    if photo is not None:
        phone.set_input_files("#id_photos", str(photo))


def badge_count(phone) -> str:
    badge = phone.locator("[data-testid=drafts-badge]")
    badge.wait_for(state="visible")
    return badge.locator("[data-testid=drafts-count]").inner_text().strip()


def send_now(phone):
    """发送, as the worker taps it when the phone is online again. The page also sends by
    itself a moment after the connection returns: if it has begun (the button is disabled
    while it sends) or is done (the draft is gone), there is nothing to tap."""
    phone.evaluate("() => { const send = document.querySelector('[data-testid=draft-send]');"
                   " if (send && !send.disabled) { send.click(); } }")


def kept_pages(phone) -> list[str]:
    return [name for name in phone.evaluate("caches.keys()") if name.startswith("qf-pages-")]


def eventually(check, seconds=5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def shoot(phone, name):
    if SHOTS.is_dir():  # for the eyes of whoever built it
        phone.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_report_written_offline_is_kept_and_sent_exactly_once(
        phone, street, grid_worker_a1, media, photo_with_gps):
    subtype = Subtype.objects.filter(is_active=True, category__code="disputes").first()
    open_report_form_ready_for_offline(phone)

    # In the basement: no network. The report is saved as a draft on the phone, with the
    # position the worker asked the phone for.
    phone.context.set_offline(True)
    fill_report(phone, subtype, photo_with_gps)
    phone.context.grant_permissions(["geolocation"])
    phone.click("[data-testid=location-use]")
    phone.wait_for_function("() => document.querySelector('[name=location_lng]').value !== ''")
    phone.click("[data-testid=report-submit]")
    phone.wait_for_url("**/app/drafts/")
    assert "联网后发送" in phone.inner_text("[data-testid=flash]")
    assert phone.locator("[data-testid=draft]").count() == 1
    assert badge_count(phone) == "1"
    assert not Risk.objects.exists()

    # The page reloaded offline comes from the service worker; the draft is still there.
    phone.reload()
    phone.wait_for_selector("[data-testid=draft][data-state=pending]")
    assert badge_count(phone) == "1"
    assert phone.locator("[data-testid=offline-notice]").is_visible()
    shoot(phone, "test-drafts-offline-390")
    draft_id = phone.get_attribute("[data-testid=draft]", "data-draft")
    kept = phone.evaluate("async (id) => { window.qfKept = await qfDrafts.get(id);"
                          " return {key: window.qfKept.key, photos: window.qfKept.photos.length,"
                          " body: window.qfKept.body}; }", draft_id)
    assert kept["photos"] == 1
    assert kept["body"]["address"] == ADDRESS and kept["body"]["people_involved"] == 12
    assert kept["body"]["location"] == {"lat": 36.671234, "lng": 117.021456}
    assert not Risk.objects.exists()

    # Online again: the worker sends it. One matter, with its photo, address and count.
    phone.context.set_offline(False)
    send_now(phone)
    phone.wait_for_selector("[data-testid=no-drafts]", timeout=SENDING_TIMEOUT)
    assert not phone.locator("[data-testid=drafts-badge]").is_visible()
    risk = Risk.objects.get()
    assert (risk.title, risk.address, risk.people_involved) == (TITLE, ADDRESS, 12)
    assert risk.subtype == subtype
    assert (risk.location_lat, risk.location_lng) == (36.671234, 117.021456)
    assert risk.reported_by == grid_worker_a1
    photo = risk.attachments.get()
    with photo.file.open("rb") as stored:
        kept_photo = Image.open(io.BytesIO(stored.read()))
    exif = kept_photo.getexif()
    assert not exif.get_ifd(GPS_IFD) and MAKE not in exif  # the phone's place and device gone

    # The same draft sent again (as after a timeout whose answer was lost): its key makes
    # the server answer the first answer again. Still one matter, one photo.
    again = phone.evaluate("async () => { await qfDrafts.put(window.qfKept);"
                           " const outcome = await qfDrafts.send(window.qfKept.id);"
                           " return {ok: outcome.ok, id: outcome.data && outcome.data.id,"
                           " key: outcome.draft.key}; }")
    assert again == {"ok": True, "id": risk.pk, "key": kept["key"]}
    assert Risk.objects.count() == 1
    assert risk.attachments.count() == 1


def test_a_draft_whose_subtype_was_retired_comes_back_to_be_fixed(
        phone, street, grid_worker_a1, media):
    wages, other = Subtype.objects.filter(
        is_active=True, category__code="mass_interest").order_by("position")[:2]
    open_report_form_ready_for_offline(phone)
    phone.context.set_offline(True)
    fill_report(phone, wages)
    phone.click("[data-testid=report-submit]")
    phone.wait_for_url("**/app/drafts/")

    # While the phone is offline, the street retires the subtype.
    wages.is_active = False
    wages.replaced_by = other
    wages.save()

    phone.context.set_offline(False)
    send_now(phone)
    phone.wait_for_selector("[data-testid=draft][data-state=needs_fix]", timeout=SENDING_TIMEOUT)
    error = phone.inner_text("[data-testid=draft-error]")
    assert wages.name in error and other.name in error  # the server's own message
    assert badge_count(phone) == "1"  # kept, not lost
    assert not Risk.objects.exists()
    shoot(phone, "test-draft-needs-fix-390")

    # 修改: the form reopens with the draft; the worker chooses the other subtype and sends.
    phone.click("[data-testid=draft-edit]")
    phone.wait_for_url(re.compile(r"/risks/new/\?draft=\d+$"))
    phone.wait_for_function("() => document.querySelector('#id_title').value !== ''")
    assert phone.input_value("#id_title") == TITLE
    assert phone.input_value("#id_address") == ADDRESS
    assert wages.name in phone.inner_text("[data-testid=error-subtype]")
    shoot(phone, "test-draft-reopened-390")
    phone.select_option("#id_subtype", str(other.pk))
    phone.click("[data-testid=report-submit]")
    phone.wait_for_url(re.compile(r"/risks/\d+/$"), timeout=SENDING_TIMEOUT)
    risk = Risk.objects.get()
    assert (risk.title, risk.subtype, risk.people_involved) == (TITLE, other, 12)
    assert phone.evaluate("qfDrafts.all().then((drafts) => drafts.length)") == 0


def test_the_app_is_installable_and_its_pages_open_offline(phone, street, grid_worker_a1):
    open_report_form_ready_for_offline(phone)

    # The manifest: linked, served as a manifest, valid, its icons there.
    link = phone.get_attribute("link[rel=manifest]", "href")
    answer = phone.request.get(link)
    assert answer.ok
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = answer.json()
    assert manifest["name"] == "全福风险排查" and manifest["short_name"]
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    assert manifest["start_url"].startswith(manifest["scope"])
    purposes = set()
    for icon in manifest["icons"]:
        image = phone.request.get(icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png"
        width, height = Image.open(io.BytesIO(image.body())).size
        assert f"{width}x{height}" == icon["sizes"]
        purposes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes

    # The service worker: registered for the whole site, keeping the worker's pages.
    assert kept_pages(phone)
    scope = phone.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.scope)")
    assert scope == phone.url.split("/risks/")[0] + "/"

    phone.context.set_offline(True)
    phone.reload()
    phone.wait_for_selector("[data-testid=report-form]")
    phone.goto("/rhythm/today/")
    phone.wait_for_selector("[data-testid=zero-report]")
    phone.goto("/risks/")  # never kept: the offline page, in Chinese
    phone.wait_for_selector("[data-testid=offline-page]")
    assert "当前没有网络" in phone.inner_text("main")
    shoot(phone, "test-offline-page-390")

    # Logging out empties the kept pages: the next person on this phone sees none of them.
    phone.context.set_offline(False)
    phone.goto("/")
    phone.click("[data-testid=menu-button]")
    phone.click("[data-testid=navigation-account] form[data-qf-logout] button")
    phone.wait_for_url("**/accounts/login/**")
    assert eventually(lambda: not kept_pages(phone))
    phone.context.set_offline(True)
    phone.goto("/risks/new/")
    phone.wait_for_selector("[data-testid=offline-page]")
    assert phone.locator("[data-testid=report-form]").count() == 0


def test_a_zero_report_and_an_answer_written_offline_are_sent_when_online(
        phone, street, grid_worker_a1, officer_a):
    instruction = send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="visit",
                                   content="请上门了解三号楼漏水纠纷进展",
                                   deadline=timezone.now() + timedelta(days=1),
                                   area=street.grid_a1)
    log_in(phone, "grid_a1")
    phone.wait_for_url("**/")
    phone.goto("/rhythm/today/")
    phone.wait_for_selector("html[data-qf-offline-ready]")

    phone.context.set_offline(True)
    phone.reload()  # from the service worker
    phone.click("[data-testid=file-zero-report]")
    phone.wait_for_selector("[data-testid=zero-report] [data-testid=draft-status]")
    answer = phone.locator(f"form[data-instruction='{instruction.pk}']")
    answer.locator("textarea").fill("已上门了解，双方同意调解。")
    answer.locator("button[type=submit]").click()
    answer.locator("xpath=preceding-sibling::*[@data-testid='draft-status']").wait_for()
    assert "联网后发送" in phone.inner_text("[data-testid=open-instructions]")
    assert badge_count(phone) == "2"
    shoot(phone, "test-grid-day-offline-390")
    assert not ZeroReport.objects.exists()

    # Online again, nobody taps anything: the page sends them a moment later.
    phone.context.set_offline(False)
    assert eventually(lambda: ZeroReport.objects.filter(grid=street.grid_a1).count() == 1,
                      seconds=SENDING_TIMEOUT / 1000)
    assert eventually(lambda: InstructionRecipient.objects.get(instruction=instruction).answer
                      == "已上门了解，双方同意调解。", seconds=SENDING_TIMEOUT / 1000)
    phone.wait_for_selector("[data-testid=drafts-badge]", state="hidden")
