// What axe-core does not check, WCAG 1.4.11 (non-text contrast): the borders of controls and
// the focus ring, at 3:1 against what is around them. Injected by tests/checkers.py.
window.nonTextContrast = (() => {
  const channels = (colour) => colour.match(/[\d.]+/g).map(Number);
  const luminance = (colour) => {
    const [r, g, b] = channels(colour).slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (high + 0.05) / (low + 0.05);
  };
  // The first opaque background up the parents: what a border or a ring is seen against.
  const around = (element) => {
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      const colour = getComputedStyle(parent).backgroundColor;
      if (channels(colour).length === 3 || channels(colour)[3] > 0) return colour;
    }
    return "rgb(255, 255, 255)";
  };
  const describe = (element) => element.outerHTML.slice(0, 80);
  const CONTROLS =
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, select, button";

  return {
    // Text fields, selects and outlined buttons whose border is under 3:1.
    controlBorders() {
      return [...document.querySelectorAll(CONTROLS)]
        .filter((control) => control.getClientRects().length)
        .filter((control) => !control.closest("[aria-hidden=true]"))
        .flatMap((control) => {
          const style = getComputedStyle(control);
          if (style.borderTopStyle === "none" || !parseFloat(style.borderTopWidth)) return [];
          const contrast = ratio(style.borderTopColor, around(control));
          return contrast < 3 ? [`${describe(control)}: border at ${contrast.toFixed(2)}:1`] : [];
        });
    },
    // The focused element's ring, if it is missing or under 3:1 (a browser's own "auto" ring
    // is two-toned, seen on any background).
    focusRing() {
      const focused = document.activeElement;
      const style = getComputedStyle(focused);
      if (style.outlineStyle === "auto") return null;
      if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) {
        return `${describe(focused)}: no focus ring`;
      }
      const contrast = ratio(style.outlineColor, around(focused));
      return contrast < 3 ? `${describe(focused)}: focus ring at ${contrast.toFixed(2)}:1` : null;
    },
  };
})();
