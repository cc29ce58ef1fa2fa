import type { ChildNode, Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';

/** Elements whose text a reader never sees. */
const INVISIBLE = new Set(['script', 'style', 'template', 'noscript', 'head', 'title']);

/** Elements that start a new line of text: their edges are word breaks, unlike those of <em> or <a>. */
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure',
  'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre',
  'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);

export interface HtmlDocument {
  /** The first element, in document order, that the test accepts. */
  find(test: (element: Element) => boolean): Element | undefined;
  root: ChildNode[];
}

export function parseHtml(html: string): HtmlDocument {
  const document = parseDocument(html, { decodeEntities: true });
  return {
    root: document.children,
    find: (test) => firstElement(document.children, test),
  };
}

function firstElement(nodes: ChildNode[], test: (element: Element) => boolean): Element | undefined {
  // An explicit stack, not recursion: a hostile page may nest elements deeper than the call stack.
  const stack: ChildNode[] = [...nodes].reverse();
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') continue;
    const element = node as Element;
    if (test(element)) return element;
    for (let i = element.children.length - 1; i >= 0; i--) stack.push(element.children[i] as ChildNode);
  }
  return undefined;
}

export function hasClass(element: Element, name: string): boolean {
  return (element.attribs.class ?? '').split(/\s+/).includes(name);
}

/**
 * What a reader sees of these nodes, as one line: text nodes in order, block edges as spaces, every run of
 * whitespace as one space. Typography is kept as it is: “ and " are different text.
 */
export function visibleText(nodes: ChildNode[]): string {
  const parts: string[] = [];
  const stack: Array<ChildNode | 'break'> = [...nodes].reverse();
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node === 'break') {
      parts.push(' ');
      continue;
    }
    if (node.type === 'text') {
      parts.push(node.data);
      continue;
    }
    if (node.type !== 'tag') continue;
    const element = node as Element;
    if (INVISIBLE.has(element.name)) continue;
    const block = BLOCKS.has(element.name);
    if (block) stack.push('break');
    for (let i = element.children.length - 1; i >= 0; i--) stack.push(element.children[i] as ChildNode);
    if (block) parts.push(' ');
  }
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/** Every value of an attribute on elements of a name under these nodes, in document order. */
export function attributeValues(nodes: ChildNode[], tag: string, attribute: string): string[] {
  const values: string[] = [];
  const stack: ChildNode[] = [...nodes].reverse();
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.type !== 'tag') continue;
    const element = node as Element;
    const value = element.attribs[attribute];
    if (element.name === tag && value !== undefined) values.push(value);
    for (let i = element.children.length - 1; i >= 0; i--) stack.push(element.children[i] as ChildNode);
  }
  return values;
}
