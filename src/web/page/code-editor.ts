import { basicSetup } from 'codemirror';
import { python } from '@codemirror/lang-python';
import { EditorView, Decoration, keymap, type DecorationSet } from '@codemirror/view';
import { EditorState, StateEffect, StateField } from '@codemirror/state';

/** Marks (or clears, with undefined) the line a traceback points at. */
const setErrorLine = StateEffect.define<number | undefined>();
const errorLineMark = Decoration.line({ class: 'cm-error-line', attributes: { 'aria-invalid': 'true' } });

const errorLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    // Editing makes the old line number meaningless: the mark goes with the first change.
    let next = tr.docChanged ? Decoration.none : marks.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setErrorLine)) continue;
      const n = e.value;
      next = n === undefined || n < 1 || n > tr.state.doc.lines ? Decoration.none : Decoration.set([errorLineMark.range(tr.state.doc.line(n).from)]);
    }
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/**
 * Inside the editor's shadow root the page's stylesheet does not apply: sizes and colours come in
 * through inherited CSS custom properties (--editor-height, set per screen width in styles.css).
 */
const pageTheme = EditorView.theme({
  '&': { height: 'var(--editor-height, 18rem)', fontSize: '0.85rem', backgroundColor: '#ffffff', color: '#1b1f24' },
  '&.cm-focused': { outline: '3px solid #f0a000' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  '.cm-error-line': { backgroundColor: 'rgba(207, 34, 46, 0.22)', outline: '1px solid #cf222e' },
});

/**
 * CodeMirror 6 with Python: line numbers, undo, search (Ctrl-F), bracket matching, and Ctrl-S / Ctrl-Enter
 * handed to the page (save to the board, run). Tab moves focus out of the editor as everywhere else on
 * the page (CodeMirror's default), so keyboard users are never trapped; indentation follows Enter.
 */
export class CodeEditor {
  readonly view: EditorView;

  constructor(host: HTMLElement, label: string, handlers: { save: () => void; run: () => void }) {
    // CodeMirror injects its styles at run time. In a shadow root they are constructed stylesheets,
    // which the page's Content-Security-Policy (style-src 'self', no inline styles) allows; a <style>
    // element in the document would be blocked.
    const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const parent = document.createElement('div');
    shadow.replaceChildren(parent);
    this.view = new EditorView({
      parent,
      root: shadow,
      state: EditorState.create({
        doc: '',
        extensions: [
          keymap.of([
            { key: 'Mod-s', preventDefault: true, run: () => (handlers.save(), true) },
            { key: 'Mod-Enter', preventDefault: true, run: () => (handlers.run(), true) },
          ]),
          basicSetup,
          python(),
          errorLineField,
          pageTheme,
          // An IDREF cannot reach out of the shadow root: the label is given as text.
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  set text(value: string) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: value }, effects: setErrorLine.of(undefined) });
  }

  /** Highlights the line (1-based) and brings it into view; undefined clears the highlight. */
  markError(line: number | undefined): void {
    const effects: StateEffect<unknown>[] = [setErrorLine.of(line)];
    if (line !== undefined && line >= 1 && line <= this.view.state.doc.lines) {
      effects.push(EditorView.scrollIntoView(this.view.state.doc.line(line).from, { y: 'center' }));
    }
    this.view.dispatch({ effects });
  }

  focus(): void {
    this.view.focus();
  }
}
