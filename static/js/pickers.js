// Person and area pickers (accounts/pickers.py, grids/pickers.py, quanfu/forms.py
// SearchSelect): a select that holds only the chosen people or places; Tom Select finds
// the others as one types, by asking the scoped search endpoint named in data-picker-url.
// Its texts come from the select's data-picker-* attributes (translated on the server):
// none of the library's English reaches the page.
(function () {
  "use strict";

  function text(select, name) {
    return select.getAttribute("data-picker-" + name) || "";
  }

  function escapeHtml(value) {
    var holder = document.createElement("div");
    holder.textContent = value;
    return holder.innerHTML;
  }

  function search(select) {
    var url = select.getAttribute("data-picker-url");
    return function (query, callback) {
      var control = this;
      var joiner = url.indexOf("?") < 0 ? "?" : "&";
      fetch(url + joiner + "q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: {"Accept": "application/json"}
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      }).then(function (found) {
        // Only what the server found for this query (the chosen ones stay): its match on
        // names and user names is the one that counts, not the library's own filtering.
        control.clearOptions();
        callback(found.results);
      }).catch(function () {
        callback();
      });
    };
  }

  function picker(select) {
    if (select.tomselect) {
      return;
    }
    var multiple = select.multiple;
    var plugins = {};
    if (multiple) {
      plugins.remove_button = {title: text(select, "remove"), label: "×"};
    } else if (!select.required) {
      plugins.clear_button = {
        title: text(select, "clear"),
        html: function (data) {
          return '<div class="' + data.className + '" title="' + escapeHtml(data.title) +
            '" aria-label="' + escapeHtml(data.title) + '" role="button" tabindex="0">×</div>';
        }
      };
    }
    // Tom Select points the label at its own input and hides the select: the select keeps
    // its name for assistive technology (axe: select-name) through aria-label.
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label && !select.hasAttribute("aria-label")) {
      select.setAttribute("aria-label", label.textContent.trim());
    }
    new TomSelect(select, {
      valueField: "id",  // the endpoint answers {id, text}
      labelField: "text",
      searchField: ["text"],
      plugins: plugins,
      maxOptions: 50,
      loadThrottle: 250,
      closeAfterSelect: true,
      shouldLoad: function (query) {
        return query.trim().length >= 1;
      },
      load: search(select),
      score: function () {
        return function () { return 1; };
      },
      onItemAdd: function () {
        this.setTextboxValue("");
      },
      render: {
        option: function (data, escape) {
          return "<div>" + escape(data.text) + "</div>";
        },
        item: function (data, escape) {
          return "<div>" + escape(data.text) + "</div>";
        },
        no_results: function () {
          return '<div class="no-results">' + escapeHtml(text(select, "no-results")) + "</div>";
        },
        not_loading: function () {
          return '<div class="no-results">' + escapeHtml(text(select, "type-more")) + "</div>";
        },
        option_create: function () {
          return "";
        }
      }
    });
  }

  function setUp(root) {
    root.querySelectorAll("select[data-picker-url]").forEach(picker);
  }

  if (typeof TomSelect === "undefined") {
    return;  // the script did not load: the selects still post the chosen people
  }
  setUp(document);
  document.addEventListener("htmx:load", function (event) {
    setUp(event.target);
  });
})();
