// The page of `seq2seq serve`: describes the model (GET v1/model), sends the lines of the text box to
// POST v1/translate and shows the translations, their n best with scores and, for attention models, the attention
// of the greedy translation as a heat map. A plain ES module: no dependencies, no build step, nothing inline.

const $ = (id) => document.getElementById(id);
const form = $('form');
const source = $('source');
const beamInput = $('beam');
const nBestBox = $('n-best');
const attentionOption = $('attention-option');
const attentionBox = $('attention');
const button = $('translate');
const status = $('status');
const errorBox = $('error');
const output = $('output');

/** GET v1/model's answer, once it has come. */
let model;

/** `tag` with a class and text. */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The answer of the API at `path` (relative: the page works under a prefix); a 4xx or 5xx throws its `error`. */
async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(answer?.error ?? `the server answered ${response.status} ${response.statusText}`);
  if (answer === undefined) throw new Error('the server’s answer is not JSON');
  return answer;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

/** "English → German · word vocabulary · luong-general attention, bidirectional encoder · hidden 256, ..." */
function describe(m) {
  const names = new Intl.DisplayNames(['en'], { type: 'language' });
  const language = (code) => {
    try {
      return names.of(code) ?? code;
    } catch {
      return code; // not a language code
    }
  };
  const vocabulary = m.vocabulary === 'subword' ? 'subword (SentencePiece) vocabulary' : 'word vocabulary';
  const attention = m.attention === 'none' ? 'no attention' : `${m.attention} attention`;
  const encoder = m.bidirectional ? ', bidirectional encoder' : '';
  const layers = `${m.layers} layer${m.layers === 1 ? '' : 's'}`;
  return [
    `${language(m.source)} → ${language(m.target)}`,
    vocabulary,
    attention + encoder,
    `hidden ${m.hidden}, embedding ${m.embedding}, ${layers}`,
  ].join(' · ');
}

async function start() {
  try {
    model = await api('v1/model');
    $('model').textContent = describe(model);
    beamInput.max = String(model.beam_max);
    attentionOption.hidden = model.attention === 'none';
  } catch (error) {
    $('model').textContent = 'The model could not be described.';
    showError(error.message);
  } finally {
    button.disabled = false;
  }
}

/**
 * Translates the lines of the text box as the options say, and shows the result or the error. The button stays
 * disabled meanwhile, so one request (or pair of requests) is out at a time and answers cannot cross.
 */
async function translate() {
  errorBox.hidden = true;
  const q = source.value.split('\n').filter((line) => line.trim() !== '');
  if (q.length === 0) {
    output.replaceChildren();
    showError('Nothing to translate: type a sentence (one per line).');
    return;
  }
  const beam = beamInput.value === '' ? 1 : Number(beamInput.value);
  const nBest = nBestBox.checked ? beam : 1;
  const attention = attentionBox.checked && !attentionOption.hidden;
  const body = { q, beam, ...(nBest > 1 ? { n_best: nBest } : {}) };
  button.disabled = true;
  status.textContent = 'Translating…';
  output.setAttribute('aria-busy', 'true');
  const started = performance.now();
  try {
    // The heat map shows greedy decoding: with a wider beam it takes a second (greedy) request.
    const [answer, attended] = await Promise.all([
      api('v1/translate', attention && beam === 1 ? { ...body, attention: true } : body),
      attention && beam !== 1 ? api('v1/translate', { q, beam: 1, attention: true }) : undefined,
    ]);
    const maps = attention ? (attended ?? answer).translations.map((t) => t.attention) : [];
    output.replaceChildren(
      ...answer.translations.map((t, i) => sentence(t, nBestBox.checked, maps[i], attended !== undefined)),
    );
    const n = answer.translations.length;
    status.textContent = `${n} sentence${n === 1 ? '' : 's'} translated in ${Math.round(performance.now() - started)} ms`;
  } catch (error) {
    output.replaceChildren();
    status.textContent = '';
    showError(error.message);
  } finally {
    button.disabled = false;
    output.removeAttribute('aria-busy');
  }
}

/** One sentence's result: the source, the best translation, the n best with scores, the heat map. */
function sentence(translation, showNBest, attention, greedyApart) {
  const article = element('article', 'sentence');
  article.append(element('p', 'source', translation.source));
  const best = element('p', 'translation', translation.hypotheses[0]?.text ?? '');
  if (model) best.lang = model.target;
  article.append(best);
  if (showNBest) {
    const list = element('ol', 'n-best');
    list.setAttribute('aria-label', 'The n best translations, best first');
    for (const h of translation.hypotheses) {
      const item = element('li');
      const text = element('span', 'text', h.text);
      if (model) text.lang = model.target;
      item.append(
        text,
        element('span', 'score', `score ${h.score.toFixed(3)}, log-probability ${h.log_prob.toFixed(3)}`),
      );
      list.append(item);
    }
    article.append(list);
  }
  if (attention) article.append(heatmap(attention, greedyApart));
  return article;
}

const SVG = 'http://www.w3.org/2000/svg';
/** Side of a cell and size of the labels, in CSS pixels. */
const CELL = 28;
const FONT = 12;

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Weight 0 to 1 as a shade from near-white to dark blue (the ends of ColorBrewer's Blues). */
function shade(weight) {
  const w = Math.min(1, Math.max(0, weight));
  const mix = (from, to) => Math.round(from + (to - from) * w);
  return `rgb(${mix(247, 8)}, ${mix(251, 48)}, ${mix(255, 107)})`;
}

/** The heat map of one translation: a row per produced token, a column per source token, darker = more weight. */
function heatmap({ source: columns, target: rows, weights }, greedyApart) {
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = `${FONT}px system-ui, sans-serif`;
  const width = (words) => Math.max(0, ...words.map((w) => measure.measureText(w).width));
  // Source labels are written upwards at 45° above their columns; target labels sit left of their rows.
  const slant = Math.SQRT1_2 * width(columns);
  const left = Math.ceil(width(rows)) + 8;
  const top = Math.ceil(slant) + FONT + 4;
  const chart = svg('svg', {
    class: 'attention',
    width: Math.ceil(left + columns.length * CELL + slant + 4),
    height: top + rows.length * CELL + 2,
    role: 'img',
    'aria-label': `Attention: ${rows.length} produced tokens (rows) by ${columns.length} source tokens (columns)`,
  });
  const heads = svg('g', { class: 'columns' });
  columns.forEach((word, s) => {
    const x = left + s * CELL + CELL / 2;
    heads.append(svg('text', { x, y: top - 6, transform: `rotate(-45 ${x} ${top - 6})` }, word));
  });
  chart.append(heads);
  rows.forEach((word, t) => {
    const y = top + t * CELL;
    const row = svg('g', { class: 'row' });
    row.append(
      svg('text', { x: left - 6, y: y + CELL / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, word),
    );
    columns.forEach((from, s) => {
      const weight = weights[t][s];
      const cell = svg('rect', { x: left + s * CELL, y, width: CELL, height: CELL, fill: shade(weight) });
      cell.append(svg('title', {}, `${word} ← ${from}: ${weight.toFixed(2)}`));
      row.append(cell);
    });
    chart.append(row);
  });
  const figure = element('figure', 'heatmap');
  const caption = greedyApart ? 'Attention of the greedy translation (beam 1)' : 'Attention of this translation';
  figure.append(element('figcaption', undefined, caption), chart);
  return figure;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void translate();
});
source.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    if (!button.disabled) form.requestSubmit();
  }
});
void start();
