// "Use my location" on the report and edit forms (templates/risks/includes/location_field.html):
// the phone is asked for its position only when the person taps the button, never on
// opening the page. The point goes into the two hidden inputs (location_lat, location_lng),
// is shown as text with its accuracy (no map, no tiles from elsewhere), and can be cleared.
// The words come from the block's data-text-* attributes (translated by the server).
(function () {
  function words(block, name, values) {
    var text = block.getAttribute("data-text-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("{" + key + "}", values[key]);
    });
    return text;
  }

  function setValue(input, value) {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function setUp(block) {
    var lat = block.querySelector("input[name=location_lat]");
    var lng = block.querySelector("input[name=location_lng]");
    var status = block.querySelector("[data-location-status]");
    var use = block.querySelector("[data-location-use]");
    var clear = block.querySelector("[data-location-clear]");
    if (!lat || !lng || !status || !use || !clear) {
      return;
    }
    clear.hidden = !(lat.value && lng.value);
    if (!("geolocation" in navigator)) {
      if (!lat.value) {
        status.textContent = words(block, "unsupported");
      }
      return;
    }
    use.hidden = false;

    use.addEventListener("click", function () {
      use.disabled = true;
      status.textContent = words(block, "locating");
      navigator.geolocation.getCurrentPosition(function (position) {
        var coords = position.coords;
        setValue(lat, coords.latitude.toFixed(6));
        setValue(lng, coords.longitude.toFixed(6));
        block.setAttribute("data-accuracy", String(Math.round(coords.accuracy)));
        status.textContent = words(block, "point", { lat: lat.value, lng: lng.value }) + " · " +
          words(block, "accuracy", { metres: Math.round(coords.accuracy) });
        use.disabled = false;
        clear.hidden = false;
      }, function (error) {
        status.textContent = words(block, error.code === 1 ? "denied" : "unavailable");
        use.disabled = false;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });

    clear.addEventListener("click", function () {
      setValue(lat, "");
      setValue(lng, "");
      block.removeAttribute("data-accuracy");
      status.textContent = words(block, "none");
      clear.hidden = true;
      use.focus();
    });
  }

  document.querySelectorAll("[data-location]").forEach(setUp);
})();
