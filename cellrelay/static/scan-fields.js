/* A barcode scanner types the code, then Enter: move to the next field instead of sending the form. */
document.querySelectorAll("input[data-scan]").forEach(function (input) {
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    var fields = Array.prototype.filter.call(input.form.elements, function (element) {
      return element.type !== "hidden" && !element.disabled;
    });
    var next = fields[fields.indexOf(input) + 1];
    if (next) { next.focus(); }
  });
});
