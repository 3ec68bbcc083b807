// Live validation (see templates/_live_errors.html): once htmx has re-rendered a field's error area,
// the field's red outline and its aria-invalid follow what the area now says.
document.addEventListener("htmx:oobAfterSwap", function (event) {
  var area = event.detail.target;
  if (!area || !area.classList || !area.classList.contains("field-errors")) return;
  var invalid = area.children.length > 0;
  var field = area.closest(".field");
  if (field) field.classList.toggle("invalid", invalid);
  var input = document.getElementById(area.dataset.for);
  if (!input) return;
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
});
