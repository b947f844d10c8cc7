/* Accessibility repairs to Dash 4's own components, which the page cannot set through their
 * properties (axe-core's serious findings; tests/test_accessibility_browser.py):
 *
 * - radio and checkbox lists are drawn as a "listbox" of "option"s each holding a native
 *   input: interactive controls nested in interactive roles, and the list has no name. They
 *   become a named radiogroup or group of native inputs (each named by its own label);
 * - a dropdown's keyboard entry point is an input marked aria-hidden yet focusable: it is
 *   shown to assistive technology, named by its field's label and its current value.
 *
 * Runs on every change of the page (Dash redraws components), and only changes what needs it.
 */
(function () {
  "use strict";

  function fieldLabel(el) {
    const field = el.closest(".field");
    const label = field && field.querySelector(".field-label, label, h3");
    return label ? label.textContent.trim() : "";
  }

  function repair() {
    // Radio and check lists only: a dropdown's pop-up list is a real listbox of options.
    const LISTS = ".dash-radioitems, .dash-checklist";
    document.querySelectorAll(`:is(${LISTS})[role=listbox]`).forEach((list) => {
      list.setAttribute("role", list.classList.contains("dash-radioitems") ? "radiogroup" : "group");
      const name = fieldLabel(list);
      if (name && !list.getAttribute("aria-label")) { list.setAttribute("aria-label", name); }
    });
    // React puts aria-selected back when the choice changes: strip it wherever it is.
    document.querySelectorAll(
      `:is(${LISTS}) > .dash-options-list-option:is([role=option], [aria-selected])`
    ).forEach((option) => {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");
    });
    document.querySelectorAll("input.dash-dropdown-focus-target[aria-hidden=true]").forEach((input) => {
      input.removeAttribute("aria-hidden");
      const button = input.parentElement && input.parentElement.querySelector("button");
      const value = button ? button.textContent.trim() : "";
      const name = fieldLabel(input);
      input.setAttribute("aria-label", value ? `${name}: ${value}` : name || "Choose");
      input.setAttribute("aria-haspopup", "listbox");
    });
  }

  new MutationObserver(repair).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["role", "aria-hidden", "aria-selected"],
  });
  document.addEventListener("DOMContentLoaded", repair);
})();
