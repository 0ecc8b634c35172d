// The rhythm's pages. A refused htmx request inside [data-swap-refusals] (the daily
// checklist) answers 400 with the row and the reason in it: show it in place, as a
// form without htmx would, instead of htmx's default of dropping 4xx answers.
document.body.addEventListener("htmx:beforeSwap", function (event) {
  var element = event.detail.elt;
  if (event.detail.xhr.status === 400 && element && element.closest("[data-swap-refusals]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
