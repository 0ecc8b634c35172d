// Small behaviours of the project's own; no inline scripts anywhere (Content-Security-Policy).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
document.body.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});
// The register's list: "select all" ticks every row of the bulk form on this page.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (!target.matches("input[data-select-all]")) {
    return;
  }
  document.querySelectorAll("input[name=selected][form='" + target.getAttribute("form") + "']")
    .forEach(function (box) { box.checked = target.checked; });
});
// A bulk form shows only the inputs its chosen operation needs ([data-shown-for]).
function qfShowForOperation(form) {
  var operation = form.querySelector("select[name=operation]");
  if (!operation) {
    return;
  }
  form.querySelectorAll("[data-shown-for]").forEach(function (element) {
    element.hidden = element.getAttribute("data-shown-for") !== operation.value;
  });
}
document.querySelectorAll("form[data-bulk]").forEach(qfShowForOperation);
document.addEventListener("change", function (event) {
  var form = event.target.closest("form[data-bulk]");
  if (form && event.target.matches("select[name=operation]")) {
    qfShowForOperation(form);
  }
});
// A table wider than its box scrolls inside it (.table-responsive): the box then takes the
// keyboard focus, so that it scrolls with the arrow keys too (WCAG 2.1.1).
function qfFocusableScrollBoxes() {
  document.querySelectorAll(".table-responsive").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
  });
}
qfFocusableScrollBoxes();
window.addEventListener("resize", qfFocusableScrollBoxes);
document.body.addEventListener("htmx:afterSettle", qfFocusableScrollBoxes);
