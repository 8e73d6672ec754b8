// The playground page: everything it shows of an integration comes from /api/integrations (built from the package's
// descriptor and the deployed template) and from the live feed. Plain DOM, no framework, no build step.

/** Rows and lines each live list keeps: the tab's memory stays bounded however long the cloud runs. */
const KEEP = { invocation: 200, notice: 100, delivery: 100, log: 500 };

/** `h('button', { class: 'x', onclick }, 'text', child)`: an element; text is always text, never HTML. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child !== undefined && child !== null) element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

async function api(path, body) {
  const response = await fetch(
    path,
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
  );
  const answer = await response
    .json()
    .catch(() => ({ error: { message: `${response.status} ${response.statusText}` } }));
  if (!response.ok) throw new Error(answer.error?.message ?? `${response.status} ${response.statusText}`);
  return answer;
}

const time = (ms) => new Date(ms).toISOString().slice(11, 23);

function commandBlock(lines) {
  const text = lines.join('\n');
  return h(
    'div',
    { class: 'commands' },
    h('pre', { tabindex: 0 }, h('code', {}, text)),
    h(
      'button',
      {
        class: 'small',
        type: 'button',
        'aria-label': 'Copy the commands',
        onclick: () => navigator.clipboard?.writeText(text),
      },
      'Copy',
    ),
  );
}

function flowDiagram(flow) {
  const box = (node, cls = '') =>
    // A trigger is named by what it is (its logical id is long and says less); the title has the id.
    cls === 'trigger'
      ? h(
          'span',
          { class: `node ${cls}`, title: `${node.type} ${node.logicalId}` },
          h('small', {}, 'trigger'),
          node.kind,
        )
      : h(
          'span',
          { class: `node ${cls}`, title: `${node.type} ${node.logicalId}` },
          h('small', {}, node.kind),
          node.label,
        );
  return h(
    'div',
    { class: 'flow', role: 'img', 'aria-label': 'How events flow through this stack' },
    flow.map((row) =>
      h(
        'div',
        { class: 'flow-row' },
        h(
          'div',
          { class: 'path' },
          row.triggers.map((trigger) =>
            h(
              'span',
              { class: 'chain' },
              trigger.sources.map((source) => [box(source, 'source'), h('span', { class: 'arrow' }, '→')]),
              box(trigger.trigger, 'trigger'),
              h('span', { class: 'arrow' }, '→'),
            ),
          ),
          box(row.function, 'function'),
          row.effects.length > 0
            ? [h('span', { class: 'arrow' }, '→'), row.effects.map((effect) => box(effect, 'effect'))]
            : [],
        ),
        row.failures.map((failure) =>
          h(
            'div',
            { class: 'path failure' },
            h('span', { class: 'muted' }, 'on failure:'),
            box(failure.from),
            h('span', { class: 'arrow' }, `⇢ ${failure.via} ⇢`),
            box(failure.to, 'dlq'),
          ),
        ),
      ),
    ),
  );
}

function resultBox() {
  return h('div', { class: 'result', role: 'status', 'aria-live': 'polite' });
}

function showResult(box, answer) {
  box.replaceChildren(h('p', {}, answer.summary));
  if (answer.response) {
    box.append(
      h(
        'pre',
        { class: answer.response.status >= 400 ? 'bad' : 'good', 'data-status': answer.response.status },
        `${answer.response.status} ${answer.response.contentType}\n${answer.response.body}`,
      ),
    );
  }
  box.dataset.state = answer.response && answer.response.status >= 400 ? 'refused' : 'sent';
}

function showError(box, error) {
  box.replaceChildren(h('p', { class: 'bad' }, error.message));
  box.dataset.state = 'error';
}

/** The editable part of an input: its body or data, and an object's key. */
function editorsFor(input) {
  const editors = [];
  const text =
    input.kind === 'sqs-message' || input.kind === 'http-request'
      ? input.body
      : input.kind === 'kinesis-record' || input.kind === 'firehose-record'
        ? input.data
        : input.kind === 's3-object' && 'text' in input.content
          ? input.content.text
          : undefined;
  if (input.kind === 's3-object')
    editors.push(['key', h('input', { name: 'key', value: input.key, 'aria-label': 'Object key' })]);
  if (text !== undefined)
    editors.push(['text', h('textarea', { name: 'text', rows: 3, 'aria-label': 'Body' }, text)]);
  return editors;
}

function sampleCard(view, sample, variant) {
  const spec = variant === 'poison' ? sample.poison : sample;
  const editors = editorsFor(spec.input);
  const box = resultBox();
  const fire = h(
    'button',
    { type: 'button', class: variant, 'data-fire': variant, 'data-sample': sample.name },
    variant === 'poison' ? 'Send the poison' : 'Send',
  );
  fire.addEventListener('click', async () => {
    fire.disabled = true;
    box.replaceChildren(h('p', { class: 'muted' }, 'Sending…'));
    const edits = Object.fromEntries(editors.map(([name, element]) => [name, element.value]));
    try {
      showResult(
        box,
        await api('/api/fire', { integration: view.name, sample: sample.name, variant, edits }),
      );
    } catch (error) {
      showError(box, error);
    } finally {
      fire.disabled = false;
    }
  });
  const observation = variant === 'poison' ? sample.poison.failure : sample.effect;
  return h(
    'div',
    { class: `card ${variant}`, 'data-variant': variant, 'data-sample': sample.name },
    h('h4', {}, variant === 'poison' ? 'Poison' : `Sample: ${sample.name}`),
    h('p', {}, spec.description),
    editors.map(([, element]) => element),
    h('div', { class: 'actions' }, fire),
    box,
    h('p', { class: 'muted' }, 'The same with the AWS CLI:'),
    commandBlock(spec.commands),
    lookPanel(view, observation),
  );
}

function lookPanel(view, observation) {
  const box = h('div', { class: 'look', 'data-output': observation.output });
  const look = async () => {
    try {
      box.replaceChildren(
        contentsOf(
          view,
          await api(
            `/api/look?integration=${encodeURIComponent(view.name)}&output=${encodeURIComponent(observation.output)}`,
          ),
          look,
        ),
      );
    } catch (error) {
      box.replaceChildren(h('p', { class: 'bad' }, error.message));
    }
  };
  return h(
    'div',
    {},
    h(
      'p',
      {},
      h(
        'button',
        { type: 'button', class: 'small', 'data-look': observation.output, onclick: look },
        `Look in ${observation.output}`,
      ),
      ' ',
      h('span', { class: 'muted' }, observation.description),
    ),
    box,
  );
}

function contentsOf(view, contents, refresh) {
  switch (contents.kind) {
    case 'table':
      return h(
        'div',
        { 'data-count': contents.count },
        h(
          'p',
          {},
          `${contents.name}: ${contents.count} ${contents.count === 1 ? 'item' : 'items'} (first 20)`,
        ),
        contents.items.map((item) => h('pre', {}, JSON.stringify(item, null, 2))),
      );
    case 'bucket':
      return h(
        'div',
        { 'data-count': contents.objects.length },
        h(
          'p',
          {},
          `s3://${contents.name}: ${contents.objects.length} ${contents.objects.length === 1 ? 'object' : 'objects'}`,
        ),
        h(
          'ul',
          {},
          contents.objects.map((object) => h('li', {}, `${object.key} (${object.size} bytes)`)),
        ),
      );
    case 'queue': {
      const redrive =
        contents.redrivable && contents.messages?.length > 0
          ? h(
              'button',
              {
                type: 'button',
                class: 'small',
                'data-redrive': contents.logicalId,
                onclick: async (event) => {
                  event.target.disabled = true;
                  try {
                    const answer = await api('/api/redrive', {
                      integration: view.name,
                      queue: contents.logicalId,
                    });
                    event.target.replaceWith(h('span', {}, answer.summary));
                    setTimeout(refresh, 500);
                  } catch (error) {
                    event.target.replaceWith(h('span', { class: 'bad' }, error.message));
                  }
                },
              },
              'Redrive to the source queue',
            )
          : undefined;
      return h(
        'div',
        { 'data-count': contents.messages ? contents.messages.length : contents.visible },
        h('p', {}, `${contents.name}: ${contents.visible} visible, ${contents.inFlight} in flight`),
        contents.messages
          ? h(
              'ul',
              {},
              contents.messages.map((m) =>
                h('li', {}, h('code', {}, m.body.length > 600 ? `${m.body.slice(0, 600)}…` : m.body)),
              ),
            )
          : undefined,
        redrive,
      );
    }
    default:
      return h('p', { class: 'muted', 'data-count': 0 }, contents.note);
  }
}

function costPanel(view) {
  const events = h('input', {
    name: 'events',
    type: 'number',
    min: 0,
    step: 1000,
    value: 1000000,
    'aria-label': 'Events a month',
  });
  const box = h('div', { class: 'cost', 'aria-live': 'polite' });
  const update = async () => {
    try {
      const cost = await api(
        `/api/cost?integration=${encodeURIComponent(view.name)}&events=${encodeURIComponent(events.value)}`,
      );
      box.replaceChildren(
        h(
          'p',
          {},
          h('strong', { class: 'cost-total' }, cost.total),
          ` a month for ${Number(cost.events).toLocaleString('en')} ${cost.eventUnit}; the naive configuration: `,
          h('span', { class: 'cost-naive' }, cost.naive),
          '.',
        ),
        h(
          'p',
          { class: 'muted' },
          cost.measured
            ? `Measured in this run: ${cost.measured.invocations} invocations, ${cost.measured.billedMs} ms billed on average, ${cost.measured.memoryMB} MB.`
            : 'Nothing measured yet: send a sample, and the estimate uses its duration and memory.',
        ),
        h(
          'table',
          {},
          h(
            'tbody',
            {},
            cost.lines.map((line) =>
              h(
                'tr',
                {},
                h('td', {}, line.service),
                h('td', {}, line.item),
                h('td', { class: 'num' }, line.cost),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      box.replaceChildren(h('p', { class: 'bad' }, error.message));
    }
  };
  events.addEventListener('change', update);
  return h(
    'details',
    { class: 'cost-panel' },
    h('summary', { onclick: () => setTimeout(update) }, 'What it would cost'),
    h('label', {}, 'Events a month ', events),
    box,
  );
}

function integrationSection(view) {
  const resourceRows = view.resources.map((r) =>
    h(
      'tr',
      { class: r.status },
      h('td', {}, { created: 'running', recorded: 'recorded', unsupported: 'not run' }[r.status]),
      h('td', {}, r.type),
      h('td', {}, r.logicalId),
      h('td', {}, r.detail ?? r.physicalId ?? ''),
    ),
  );
  return h(
    'section',
    {
      id: `integration-${view.name}`,
      'data-integration': view.name,
      'aria-labelledby': `title-${view.name}`,
    },
    h('h2', { id: `title-${view.name}` }, view.title, ' ', h('small', { class: 'muted' }, view.stackId)),
    flowDiagram(view.flow),
    view.commandsBefore.length > 0
      ? [
          h('p', { class: 'muted' }, 'First, with the AWS CLI (the page signs in a user of its own):'),
          commandBlock(view.commandsBefore),
        ]
      : [],
    view.samples.map((sample) =>
      h('div', { class: 'samples' }, sampleCard(view, sample, 'sample'), sampleCard(view, sample, 'poison')),
    ),
    view.commandsAfter.length > 0
      ? h('details', {}, h('summary', {}, 'More to try with the CLI'), commandBlock(view.commandsAfter))
      : [],
    costPanel(view),
    h(
      'details',
      {},
      h('summary', {}, `Resources (${view.resources.length}) and outputs`),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'State'),
              h('th', {}, 'Type'),
              h('th', {}, 'Logical id'),
              h('th', {}, 'Physical id or why'),
            ),
          ),
          h('tbody', {}, resourceRows),
        ),
      ),
      h(
        'table',
        {},
        h(
          'tbody',
          {},
          Object.entries(view.outputs).map(([name, value]) =>
            h('tr', {}, h('th', {}, name), h('td', {}, h('code', {}, value))),
          ),
        ),
      ),
    ),
  );
}

// ---- live view -------------------------------------------------------------------------------------------------
const filter = () => document.getElementById('live-filter').value;

function keep(list, max) {
  while (list.childElementCount > max) list.firstElementChild.remove();
}

function visible(element) {
  element.hidden = filter() !== '' && element.dataset.integration !== filter();
  return element;
}

const render = {
  invocation(item) {
    const row = h(
      'tr',
      { 'data-integration': item.integration ?? '', 'data-status': item.status, class: item.status },
      h('td', {}, time(item.at)),
      h('td', {}, item.integration ?? ''),
      h('td', { title: item.functionName }, item.functionLabel),
      h('td', {}, item.trigger),
      h('td', { class: 'num' }, item.batchSize ?? ''),
      h('td', { class: 'num' }, item.retries ?? ''),
      h('td', { class: 'num' }, `${item.durationMs.toFixed(1)} ms`),
      h('td', { class: 'num' }, `${item.billedDurationMs} ms`),
      h('td', { class: 'num' }, `${item.maxMemoryUsedMB}/${item.memorySizeMB} MB`),
      h('td', {}, item.cold ? 'cold' : 'warm'),
      h(
        'td',
        { title: item.error ?? '' },
        item.status === 'success' ? 'ok' : (item.error?.split(':')[0] ?? item.status),
      ),
    );
    const body = document.querySelector('#timeline tbody');
    body.append(visible(row));
    keep(body, KEEP.invocation);
  },
  notice(item) {
    const list = document.getElementById('notices');
    list.append(
      visible(
        h(
          'li',
          {
            'data-integration': item.integration ?? '',
            'data-kind': item.kind,
            class: `notice ${item.kind}`,
          },
          `${time(item.at)} ${item.functionLabel} ${item.source}: ${item.message}`,
        ),
      ),
    );
    keep(list, KEEP.notice);
  },
  delivery(item) {
    const list = document.getElementById('deliveries');
    const payload = JSON.stringify(item.payload);
    list.append(
      h(
        'li',
        { class: `delivery ${item.outcome}` },
        `${time(item.at)} → ${item.destinationArn.split(':').pop()} (${item.outcome}${item.problem ? `: ${item.problem}` : ''}) `,
        h('code', {}, payload.length > 400 ? `${payload.slice(0, 400)}…` : payload),
      ),
    );
    keep(list, KEEP.delivery);
  },
  log(item) {
    const logs = document.getElementById('logs');
    logs.append(visible(h('span', { 'data-integration': item.integration ?? '' }, `${item.message}\n`)));
    keep(logs, KEEP.log);
  },
};

/** What the feed delivered, per channel (read by the burst test). */
const received = { invocation: 0, notice: 0, delivery: 0, log: 0, missed: 0 };
window.liveReceived = received;

function connect() {
  const status = document.getElementById('live-status');
  const source = new EventSource('/api/live');
  source.addEventListener('open', () => {
    status.textContent = 'Connected.';
  });
  source.addEventListener('error', () => {
    status.textContent = 'Reconnecting…';
  });
  source.addEventListener('batch', (event) => {
    const batch = JSON.parse(event.data);
    // Only the last rows of each list are kept: render no more than that of a large batch.
    const counts = { invocation: 0, notice: 0, delivery: 0, log: 0 };
    const items = batch.items
      .slice()
      .reverse()
      .filter(({ channel }) => ++counts[channel] <= KEEP[channel])
      .reverse();
    for (const { channel, item } of items) render[channel](item);
    for (const { channel } of batch.items) received[channel] += 1;
    received.missed += batch.missed;
    if (batch.missed > 0) {
      status.textContent = `Connected; ${received.missed} events went by faster than this page could show.`;
    }
  });
}

async function main() {
  const { endpoint, integrations } = await api('/api/integrations');
  document
    .getElementById('endpoint')
    .replaceChildren(
      'Endpoint ',
      h('code', {}, endpoint),
      ' — the AWS CLI commands below pass it with --endpoint-url.',
    );
  document
    .getElementById('nav')
    .replaceChildren(
      ...integrations.map((view) => h('a', { href: `#integration-${view.name}` }, view.name)),
      h('a', { href: '#live' }, 'live'),
    );
  document.getElementById('integrations').replaceChildren(...integrations.map(integrationSection));
  const select = document.getElementById('live-filter');
  select.append(...integrations.map((view) => h('option', { value: view.name }, view.name)));
  select.addEventListener('change', () => {
    for (const element of document.querySelectorAll('#live [data-integration]')) visible(element);
  });
  document.body.dataset.ready = 'true';
  connect();
}

main().catch((error) => {
  document
    .getElementById('endpoint')
    .replaceChildren(h('span', { class: 'bad' }, `The playground could not load: ${error.message}`));
});
