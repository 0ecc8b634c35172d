"""The quick selects render exactly what Django's widget templates render."""

from html.parser import HTMLParser

from django import forms

from quanfu.forms import QuickSelect, QuickSelectMultiple, StyledFormMixin

CHOICES = [("", "---"), ("a", "甲 <A>"), ("街道", [("c1", "社区 & 1"), ("c2", "社区 \"2\"")])]


class Outline(HTMLParser):
    """Tags with their attributes (in any order) and text: what a browser sees."""

    def __init__(self, html):
        super().__init__()
        self.items = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, sorted(attrs, key=lambda pair: pair[0])))

    def handle_endtag(self, tag):
        self.items.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data.strip()))


def same_html(left: str, right: str) -> bool:
    return Outline(left).items == Outline(right).items


def test_a_quick_select_renders_what_djangos_select_renders():
    attrs = {"class": "form-select", "id": "id_x", "required": True}
    for value in ("", "a", "c2", None):
        assert same_html(QuickSelect(attrs=attrs, choices=CHOICES).render("x", value),
                         forms.Select(attrs=attrs, choices=CHOICES).render("x", value))


def test_a_quick_multiple_select_renders_what_djangos_renders():
    for value in ([], ["a", "c1"]):
        assert same_html(QuickSelectMultiple(choices=CHOICES).render("x", value),
                         forms.SelectMultiple(choices=CHOICES).render("x", value))


def test_styled_forms_use_quick_selects_with_their_choices():
    class Form(StyledFormMixin, forms.Form):
        pick = forms.ChoiceField(choices=CHOICES)

    class PlainForm(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES,
                                 widget=forms.Select(attrs={"class": "form-select"}))

    form, plain = Form(initial={"pick": "c1"}), PlainForm(initial={"pick": "c1"})
    assert isinstance(form.fields["pick"].widget, QuickSelect)
    assert same_html(str(form["pick"]), str(plain["pick"]))
    form.fields["pick"].choices = plain.fields["pick"].choices = [("", "-"), ("z", "最后")]
    assert "最后" in str(form["pick"]) and 'required' in str(form["pick"])
    assert same_html(str(form["pick"]), str(plain["pick"]))


def test_every_file_input_of_the_pages_has_its_button_and_words_in_the_pages_language():
    """The browser's own file input says "Choose Files" / "No file chosen" in the
    browser's language: the project's draws its button and the chosen names itself."""
    from django.utils import translation

    from grids.change_forms import SplitForm
    from ledgers.forms import SurveyUploadForm
    from risks.attachment_forms import AttachmentForm
    from supervision.forms import EvidenceForm

    with translation.override("zh-hans"):
        fields = [AttachmentForm()["file"], EvidenceForm()["file"],
                  SurveyUploadForm()["sheet"], SplitForm(area=None, user=None)["boundaries"]]
        for field in fields:
            html = str(field)
            assert f'<input type="file" name="{field.html_name}"' in html, html
            assert f'id="{field.id_for_label}"' in html
            button = f'class="btn btn-outline-secondary qf-file-button" for="{field.id_for_label}"'
            assert button in html
            assert "选择文件" in html and "未选择文件" in html
            assert "Choose" not in html and "No file" not in html
