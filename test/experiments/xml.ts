/**
 * A strict little XML well-formedness checker for the SVG the experiments write: balanced and
 * properly nested tags, quoted attributes without raw '<' or '&', known entities only, one root.
 * Returns the element names in document order (for counting) or throws with the offending spot.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** Text directly inside the element (entities decoded), concatenated. */
  text: string;
  children: XmlElement[];
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;

function checkText(s: string, where: number): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "<") throw new Error(`raw '<' in text at ${where + i}`);
    if (s[i] === "&") {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(s)) throw new Error(`bad entity at ${where + i}: ${s.slice(i, i + 10)}`);
    }
  }
}

function decode(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, "&");
}

/** Parse `xml`; throws when it is not well formed. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: "#document", attrs: {}, text: "", children: [] };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    checkText(text, i);
    if (text.trim() !== "") {
      if (stack.length === 1) throw new Error(`text outside the root element at ${i}`);
      stack[stack.length - 1]!.text += decode(text);
    }
    if (lt < 0) break;
    if (xml.startsWith("<?", lt)) {
      i = xml.indexOf("?>", lt) + 2;
      continue;
    }
    if (xml.startsWith("<!--", lt)) {
      i = xml.indexOf("-->", lt) + 3;
      continue;
    }
    const gt = xml.indexOf(">", lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}> at ${lt}`);
    } else {
      const selfClosing = tag.endsWith("/");
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z_][\w:.-]*)/.exec(body);
      if (!m) throw new Error(`bad tag name at ${lt}: <${tag}>`);
      const el: XmlElement = { name: m[1]!, attrs: {}, text: "", children: [] };
      let rest = body.slice(m[1]!.length);
      const attr = /^\s+([A-Za-z_][\w:.-]*)="([^"]*)"/;
      for (;;) {
        const a = attr.exec(rest);
        if (!a) break;
        if (a[1]! in el.attrs) throw new Error(`duplicate attribute ${a[1]} in <${el.name}> at ${lt}`);
        checkText(a[2]!, lt);
        el.attrs[a[1]!] = decode(a[2]!);
        rest = rest.slice(a[0].length);
      }
      if (rest.trim() !== "") throw new Error(`malformed attributes in <${el.name}> at ${lt}: '${rest}'`);
      const parent = stack[stack.length - 1]!;
      if (parent === root && root.children.length > 0) throw new Error("more than one root element");
      parent.children.push(el);
      if (!selfClosing) stack.push(el);
    }
    i = gt + 1;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1) throw new Error("no root element");
  return root.children[0]!;
}

/** Every element below `el` (depth first), optionally filtered. */
export function descendants(el: XmlElement, pred: (e: XmlElement) => boolean = () => true): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (pred(c)) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

/** All text of `el` and its descendants. */
export function allText(el: XmlElement): string {
  return el.text + el.children.map(allText).join("");
}
