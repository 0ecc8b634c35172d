// The report and edit forms: the subtype select offers only the subtypes of the chosen
// category. The map (category id -> subtype ids, active ones and the matter's own) is in
// the page as a json_script block, so it works offline with no request to the server;
// the server still checks the pair (risks.services refuses a retired or foreign subtype).
// Without a category chosen the select shows every subtype, grouped, as the server sent it.
// window.qfFilterSubtypes(form) filters again, e.g. after a draft set the category.
(function () {
  var data = document.getElementById("subtypes-by-category");
  if (!data) {
    return;
  }
  var subtypesByCategory = JSON.parse(data.textContent);

  function setUp(form) {
    var category = form.querySelector("select[name=category]");
    var subtype = form.querySelector("select[name=subtype]");
    if (!category || !subtype || subtype.qfAllOptions) {
      return;
    }
    subtype.qfAllOptions = Array.prototype.map.call(subtype.children, function (child) {
      return child.cloneNode(true);
    });
    subtype.qfOptionById = {};
    subtype.querySelectorAll("option").forEach(function (option) {
      if (option.value) {
        subtype.qfOptionById[option.value] = option.cloneNode(true);
      }
    });
    subtype.qfBlank = subtype.querySelector("option[value='']");
    category.addEventListener("change", function () { filter(form); });
    filter(form);
  }

  function filter(form) {
    var category = form.querySelector("select[name=category]");
    var subtype = form.querySelector("select[name=subtype]");
    if (!category || !subtype || !subtype.qfAllOptions) {
      return;
    }
    var chosen = subtype.value;
    var options;
    if (!category.value) {
      options = subtype.qfAllOptions.map(function (node) { return node.cloneNode(true); });
    } else {
      options = subtype.qfBlank ? [subtype.qfBlank.cloneNode(true)] : [];
      (subtypesByCategory[category.value] || []).forEach(function (id) {
        var option = subtype.qfOptionById[String(id)];
        if (option) {
          options.push(option.cloneNode(true));
        }
      });
    }
    subtype.replaceChildren.apply(subtype, options);
    subtype.querySelectorAll("option").forEach(function (option) {
      option.selected = option.value === chosen;
    });
    if (subtype.value !== chosen) {
      subtype.value = "";
      subtype.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  window.qfFilterSubtypes = function (form) {
    setUp(form);
    filter(form);
  };
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("select[name=category]") && form.querySelector("select[name=subtype]")) {
      setUp(form);
    }
  });
})();
