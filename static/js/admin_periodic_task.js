// django-celery-beat's periodic task form in the admin (templates/admin/djcelery/
// change_periodictask_form.html): under the crontab field, the chosen schedule in words.
// It replaces the package's inline script, which the Content-Security-Policy refuses.
(function () {
  "use strict";
  var data = document.getElementById("readable-crontabs");
  var select = document.getElementById("id_crontab");
  if (!data || !select) {
    return;
  }
  var readable = JSON.parse(data.textContent);
  var help = document.querySelector(".field-crontab .help");
  var original = help ? help.textContent.trim() : "";
  var translation = document.querySelector(".field-crontab_translation");
  if (translation) {
    translation.style.display = "none";
  }
  select.addEventListener("change", function () {
    if (help) {
      var words = readable[select.value];
      help.textContent = words ? original + " — " + words : original;
    }
  });
}());
