using Microsoft.Playwright;

namespace Game.Tests.Browser;

/// <summary>
/// Checks in the page that every visible text can be read whole: nothing cut by a box that clips it (unless that
/// box ends the text with an ellipsis by design), nothing running over the border of its panel or out of the
/// window, and no text drawn over another text or over a bar the page names.
/// </summary>
public static class TextLayout
{
    /// <summary>
    /// Answers one line per problem. Text boxes are taken as their em boxes (a line's glyph rectangle is taller than
    /// the font size, by how much depends on the font), so tight line heights are not flagged, only real overlap.
    /// </summary>
    private const string FindProblems = """
        (obstacleSelectors) => {
          const problems = [];
          const tolerance = 1;
          const describe = (element) => element.dataset.testid || element.id || element.className || element.tagName;
          const shown = (element) => {
            for (let e = element; e; e = e.parentElement) {
              const style = getComputedStyle(e);
              if (style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) return false;
            }
            return true;
          };
          const emBox = (rect, fontSize) => {
            const middle = (rect.top + rect.bottom) / 2, half = Math.min(rect.height, fontSize) / 2;
            return { left: rect.left, right: rect.right, top: middle - half, bottom: middle + half };
          };
          const scale = document.body.getBoundingClientRect().width / document.body.offsetWidth || 1;
          const texts = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node; (node = walker.nextNode()); ) {
            const element = node.parentElement;
            if (!node.textContent.trim() || element.closest("script, style, .overlay") || !shown(element)) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const fontSize = parseFloat(getComputedStyle(element).fontSize) * scale;
            let boxes = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0).map((r) => emBox(r, fontSize));
            // Text that an ellipsis ends by design is taken as far as it shows.
            for (let e = element; e && e !== document.body; e = e.parentElement) {
              const style = getComputedStyle(e);
              if (style.textOverflow !== "ellipsis" || style.overflowX === "visible") continue;
              const right = e.getBoundingClientRect().right;
              boxes = boxes.map((b) => ({ ...b, right: Math.min(b.right, right) })).filter((b) => b.right > b.left);
              break;
            }
            texts.push({ element, boxes, label: `${describe(element)} "${node.textContent.trim().slice(0, 30)}"` });
          }
          const outside = (box, frame) => box.left < frame.left - tolerance || box.right > frame.right + tolerance || box.top < frame.top - tolerance || box.bottom > frame.bottom + tolerance;
          const window_ = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
          for (const { element, boxes, label } of texts) {
            if (boxes.some((box) => outside(box, window_))) problems.push(`${label} runs out of the window`);
            // Every ancestor that clips its content or draws a border (a panel, a card, a pill) must hold the text
            // inside its border.
            for (let a = element; a && a !== document.body; a = a.parentElement) {
              const style = getComputedStyle(a);
              const clips = style.overflowX !== "visible" || style.overflowY !== "visible";
              const border = ["Top", "Right", "Bottom", "Left"].map((side) => parseFloat(style[`border${side}Width`]) * scale);
              if (!clips && border.every((width) => width === 0)) continue;
              const rect = a.getBoundingClientRect();
              const inner = { left: rect.left + border[3], right: rect.right - border[1], top: rect.top + border[0], bottom: rect.bottom - border[2] };
              if (boxes.some((box) => outside(box, inner))) { problems.push(`${label} is cut by or runs over ${describe(a)}`); break; }
              if (clips && style.textOverflow !== "ellipsis" && (a.scrollWidth > a.clientWidth + 1 || a.scrollHeight > a.clientHeight + 1)) {
                problems.push(`${describe(a)} holding ${label} hides some of its content (scroll ${a.scrollWidth}×${a.scrollHeight} > client ${a.clientWidth}×${a.clientHeight})`);
                break;
              }
            }
          }
          const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tolerance && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tolerance;
          for (let i = 0; i < texts.length; i++) {
            for (let j = i + 1; j < texts.length; j++) {
              if (texts[i].boxes.some((a) => texts[j].boxes.some((b) => overlap(a, b)))) problems.push(`${texts[i].label} overlaps ${texts[j].label}`);
            }
          }
          for (const obstacle of document.querySelectorAll(obstacleSelectors.join(","))) {
            if (!shown(obstacle)) continue;
            const box = obstacle.getBoundingClientRect();
            for (const { boxes, label } of texts) if (boxes.some((b) => overlap(b, box))) problems.push(`${label} overlaps ${describe(obstacle)}`);
          }
          return problems;
        }
        """;

    /// <summary>Bars and meters that text must not cover.</summary>
    private static readonly string[] Obstacles = [".progress", ".meter", "[data-testid=join-qr]"];

    /// <summary>Waits for transitions and one-off animations to end (a row sliding to its rank passes over others), then checks.</summary>
    public static async Task AssertReadableAsync(IPage page, string what)
    {
        await page.EvaluateAsync("() => Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().iterations !== Infinity).map((a) => a.finished.catch(() => {})))");
        var problems = await page.EvaluateAsync<string[]>(FindProblems, Obstacles);
        Assert.True(problems.Length == 0, $"{what}:\n{string.Join('\n', problems)}");
    }
}
