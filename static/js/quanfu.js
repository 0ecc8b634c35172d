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
// A file input (quanfu/templates/quanfu/widgets/file_input.html) names what was chosen in
// the page's language: the browser's own words are in the browser's. Without script the
// browser's own input stays as it is.
function qfWordedFileInputs() {
  document.querySelectorAll("[data-qf-file]").forEach(function (box) {
    box.classList.add("qf-file-ready");
  });
}
qfWordedFileInputs();
document.body.addEventListener("htmx:afterSettle", qfWordedFileInputs);
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches(".qf-file > input[type=file]")) {
    return;
  }
  var box = input.parentNode;
  var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
  var text = box.getAttribute("data-qf-file-none");
  if (names.length === 1) {
    text = names[0];
  } else if (names.length > 1) {
    text = box.getAttribute("data-qf-file-many").replace("{count}", String(names.length))
      .replace("{names}", names.join("、"));
  }
  box.querySelector("[data-qf-file-names]").textContent = text;
});
