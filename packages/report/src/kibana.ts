// Kibana saved objects for Elkhound's data streams: three data views, the dashboard "LLM cost and
// reliability" (the panels of `elkhound report`, as Lens visualizations) and two saved searches.
// `npm run kibana -w @elkhound/report` writes them to kibana/elkhound.ndjson, the file users
// import (docs/kibana.md); a test checks the file is this output and that every field a panel
// uses exists, with the right type, in the mappings Elasticsearch has for the data streams.

export interface SavedObject {
  type: 'index-pattern' | 'search' | 'lens' | 'dashboard';
  id: string;
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
}

export const DATA_VIEWS = {
  traces: {
    id: 'elkhound-traces',
    title: 'traces-elkhound-*',
    name: 'Elkhound traces (GenAI spans and transactions)',
  },
  logs: { id: 'elkhound-logs', title: 'logs-elkhound-*', name: 'Elkhound logs' },
  metrics: { id: 'elkhound-metrics', title: 'metrics-elkhound-*', name: 'Elkhound metrics' },
} as const;

/**
 * Model calls only, each once: not the requests around them, not agent or tool spans, not a
 * framework's span whose call Elkhound recorded itself (docs/double-counting.md).
 */
const GENAI_CALLS =
  'gen_ai.operation.name : (chat or text_completion or generate_content or embeddings or rerank) and not elkhound.usage.delegated : true';

type Column = Record<string, unknown> & {
  operationType: string;
  sourceField: string;
  label: string;
};

const count = (label = 'Calls'): Column => ({
  label,
  dataType: 'number',
  operationType: 'count',
  sourceField: '___records___',
  isBucketed: false,
  scale: 'ratio',
  params: { emptyAsNull: true },
});
const sum = (field: string, label: string): Column => ({
  label,
  dataType: 'number',
  operationType: 'sum',
  sourceField: field,
  isBucketed: false,
  scale: 'ratio',
  params: { emptyAsNull: true },
});
const percentile = (field: string, value: number, label: string): Column => ({
  label,
  dataType: 'number',
  operationType: 'percentile',
  sourceField: field,
  isBucketed: false,
  scale: 'ratio',
  params: { percentile: value },
});
const terms = (field: string, label: string, orderBy: string, size = 10): Column => ({
  label,
  dataType: 'string',
  operationType: 'terms',
  sourceField: field,
  isBucketed: true,
  scale: 'ordinal',
  params: {
    size,
    orderBy: { type: 'column', columnId: orderBy },
    orderDirection: 'desc',
    otherBucket: true,
    missingBucket: false,
    parentFormat: { id: 'terms' },
  },
});
const overTime = (): Column => ({
  label: '@timestamp',
  dataType: 'date',
  operationType: 'date_histogram',
  sourceField: '@timestamp',
  isBucketed: true,
  scale: 'interval',
  params: { interval: 'auto', includeEmptyRows: true, dropPartials: false },
});

interface LensPanel {
  id: string;
  title: string;
  kind: 'metric' | 'bar_stacked' | 'table';
  query: string;
  /** Columns by id, in order: buckets first. */
  columns: Record<string, Column>;
  /** For bar charts: the x axis, the breakdown and the value columns. */
  x?: string;
  split?: string;
  values?: string[];
}

const PANELS: LensPanel[] = [
  {
    id: 'elkhound-lens-total-cost',
    title: 'Cost (USD)',
    kind: 'metric',
    query: GENAI_CALLS,
    columns: { cost: sum('elkhound.cost.total', 'Cost (USD)') },
  },
  {
    id: 'elkhound-lens-calls',
    title: 'Model calls',
    kind: 'metric',
    query: GENAI_CALLS,
    columns: { calls: count() },
  },
  {
    id: 'elkhound-lens-cost-over-time',
    title: 'Cost over time by model (USD)',
    kind: 'bar_stacked',
    query: GENAI_CALLS,
    columns: {
      time: overTime(),
      model: terms('gen_ai.request.model', 'Model', 'cost'),
      cost: sum('elkhound.cost.total', 'Cost (USD)'),
    },
    x: 'time',
    split: 'model',
    values: ['cost'],
  },
  {
    id: 'elkhound-lens-cost-by-model',
    title: 'Cost and tokens by model',
    kind: 'table',
    query: GENAI_CALLS,
    columns: {
      model: terms('gen_ai.request.model', 'Model', 'cost', 20),
      provider: terms('gen_ai.provider.name', 'Provider', 'cost', 5),
      calls: count(),
      input: sum('gen_ai.usage.input_tokens', 'Input tokens'),
      output: sum('gen_ai.usage.output_tokens', 'Output tokens'),
      cost: sum('elkhound.cost.total', 'Cost (USD)'),
    },
  },
  {
    id: 'elkhound-lens-cost-by-service',
    title: 'Cost and tokens by service',
    kind: 'table',
    query: GENAI_CALLS,
    columns: {
      service: terms('service.name', 'Service', 'cost', 20),
      calls: count(),
      input: sum('gen_ai.usage.input_tokens', 'Input tokens'),
      output: sum('gen_ai.usage.output_tokens', 'Output tokens'),
      cost: sum('elkhound.cost.total', 'Cost (USD)'),
    },
  },
  {
    id: 'elkhound-lens-errors-over-time',
    title: 'Errors over time by elkhound.error.category',
    kind: 'bar_stacked',
    query: `${GENAI_CALLS} and elkhound.error.category : *`,
    columns: {
      time: overTime(),
      category: terms('elkhound.error.category', 'Category', 'errors'),
      errors: count('Errors'),
    },
    x: 'time',
    split: 'category',
    values: ['errors'],
  },
  {
    id: 'elkhound-lens-latency-by-model',
    title: 'Latency and time to first chunk by model',
    kind: 'table',
    query: GENAI_CALLS,
    columns: {
      model: terms('gen_ai.request.model', 'Model', 'p95', 20),
      p50: percentile('span.duration.us', 50, 'Duration p50 (µs)'),
      p95: percentile('span.duration.us', 95, 'Duration p95 (µs)'),
      p99: percentile('span.duration.us', 99, 'Duration p99 (µs)'),
      firstChunk: percentile(
        'gen_ai.response.time_to_first_chunk',
        50,
        'Time to first chunk p50 (s)',
      ),
    },
  },
  {
    id: 'elkhound-lens-duplicate-prompts',
    title: 'Duplicate prompts (elkhound.prompt.hash)',
    kind: 'table',
    query: `${GENAI_CALLS} and elkhound.prompt.hash : *`,
    columns: {
      hash: terms('elkhound.prompt.hash', 'Prompt hash', 'calls', 10),
      calls: count(),
      cost: sum('elkhound.cost.total', 'Cost (USD)'),
    },
  },
  {
    id: 'elkhound-lens-unpriced-models',
    title: 'Unpriced models (add them with ELKHOUND_PRICING_FILE)',
    kind: 'table',
    query: `${GENAI_CALLS} and elkhound.cost.unpriced : true`,
    columns: {
      model: terms('gen_ai.request.model', 'Model', 'calls', 20),
      provider: terms('gen_ai.provider.name', 'Provider', 'calls', 5),
      calls: count(),
    },
  },
];

const LAYER = 'layer1';

function lens(panel: LensPanel): SavedObject {
  const columnOrder = Object.keys(panel.columns);
  let visualizationType: string;
  let visualization: Record<string, unknown>;
  if (panel.kind === 'metric') {
    visualizationType = 'lnsMetric';
    visualization = { layerId: LAYER, layerType: 'data', metricAccessor: columnOrder[0] };
  } else if (panel.kind === 'bar_stacked') {
    visualizationType = 'lnsXY';
    visualization = {
      legend: { isVisible: true, position: 'right' },
      preferredSeriesType: 'bar_stacked',
      layers: [
        {
          layerId: LAYER,
          layerType: 'data',
          seriesType: 'bar_stacked',
          xAccessor: panel.x,
          splitAccessor: panel.split,
          accessors: panel.values,
        },
      ],
    };
  } else {
    visualizationType = 'lnsDatatable';
    visualization = {
      layerId: LAYER,
      layerType: 'data',
      columns: columnOrder.map((columnId) => ({ columnId, isTransposed: false })),
    };
  }
  return {
    type: 'lens',
    id: panel.id,
    attributes: {
      title: panel.title,
      description: '',
      visualizationType,
      state: {
        datasourceStates: {
          formBased: {
            layers: { [LAYER]: { columns: panel.columns, columnOrder, incompleteColumns: {} } },
          },
        },
        visualization,
        query: { query: panel.query, language: 'kuery' },
        filters: [],
      },
    },
    references: [
      {
        type: 'index-pattern',
        id: DATA_VIEWS.traces.id,
        name: `indexpattern-datasource-layer-${LAYER}`,
      },
    ],
  };
}

function dataView(view: (typeof DATA_VIEWS)[keyof typeof DATA_VIEWS]): SavedObject {
  return {
    type: 'index-pattern',
    id: view.id,
    attributes: { title: view.title, name: view.name, timeFieldName: '@timestamp' },
    references: [],
  };
}

function search(
  id: string,
  title: string,
  query: string,
  columns: string[],
  sort: [string, string],
): SavedObject {
  return {
    type: 'search',
    id,
    attributes: {
      title,
      description: '',
      columns,
      sort: [sort],
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: { query, language: 'kuery' },
          filter: [],
          indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
        }),
      },
    },
    references: [
      {
        name: 'kibanaSavedObjectMeta.searchSourceJSON.index',
        type: 'index-pattern',
        id: DATA_VIEWS.traces.id,
      },
    ],
  };
}

/** Grid positions (48 columns wide): the two metrics, then the panels two by two. */
function layout(index: number): { x: number; y: number; w: number; h: number } {
  if (index < 2) return { x: index * 12, y: 0, w: 12, h: 8 };
  const position = index - 2;
  return { x: (position % 2) * 24, y: 8 + Math.floor(position / 2) * 15, w: 24, h: 15 };
}

function dashboard(lensObjects: SavedObject[], searches: SavedObject[]): SavedObject {
  const panels = [...lensObjects, ...searches].map((object, index) => {
    const panelIndex = String(index + 1);
    return {
      type: object.type,
      panelIndex,
      gridData: { ...layout(index), i: panelIndex },
      embeddableConfig: {},
      panelRefName: `panel_${panelIndex}`,
    };
  });
  return {
    type: 'dashboard',
    id: 'elkhound-llm-cost-and-reliability',
    attributes: {
      title: 'LLM cost and reliability',
      description:
        'Cost and tokens by model and service, errors by elkhound.error.category over time, latency and time to first chunk, duplicate prompts and unpriced models (the questions of `elkhound report`).',
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: 'now-24h',
      timeTo: 'now',
      refreshInterval: { pause: true, value: 60000 },
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: [...lensObjects, ...searches].map((object, index) => ({
      name: `${index + 1}:panel_${index + 1}`,
      type: object.type,
      id: object.id,
    })),
  };
}

export function kibanaSavedObjects(): SavedObject[] {
  const lensObjects = PANELS.map(lens);
  const searches = [
    search(
      'elkhound-search-errors-by-category',
      'Elkhound: GenAI errors by category',
      `${GENAI_CALLS} and elkhound.error.category : *`,
      [
        'elkhound.error.category',
        'error.type',
        'gen_ai.request.model',
        'service.name',
        'span.name',
        'trace.id',
      ],
      ['@timestamp', 'desc'],
    ),
    search(
      'elkhound-search-prompt-hash',
      'Elkhound: calls of one prompt hash',
      // Replace the hash with the one to follow (from the duplicate-prompts panel).
      'elkhound.prompt.hash : "sha256:0000000000000000000000000000000000000000000000000000000000000000"',
      [
        'elkhound.prompt.hash',
        'gen_ai.request.model',
        'service.name',
        'elkhound.cost.total',
        'span.duration.us',
        'trace.id',
      ],
      ['@timestamp', 'desc'],
    ),
  ];
  return [
    dataView(DATA_VIEWS.traces),
    dataView(DATA_VIEWS.logs),
    dataView(DATA_VIEWS.metrics),
    ...lensObjects,
    ...searches,
    dashboard(lensObjects, [searches[0] as SavedObject]),
  ];
}

/** The NDJSON text Kibana's import (UI or `POST /api/saved_objects/_import`) takes. */
export function kibanaNdjson(): string {
  return kibanaSavedObjects()
    .map((object) => JSON.stringify(object))
    .join('\n')
    .concat('\n');
}

/** Every field a saved object reads, with whether it is aggregated (needs an aggregatable type). */
export function fieldsUsed(
  objects: readonly SavedObject[],
): Map<string, { aggregated: boolean; dataView: string }> {
  const fields = new Map<string, { aggregated: boolean; dataView: string }>();
  const add = (field: string, aggregated: boolean, view: string) => {
    if (field === '___records___') return;
    const known = fields.get(field);
    fields.set(field, { aggregated: aggregated || (known?.aggregated ?? false), dataView: view });
  };
  const fromQuery = (query: string, view: string) => {
    // Field names stand before a colon, outside quoted values (`"sha256:…"` is a value).
    const unquoted = query.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const match of unquoted.matchAll(/([A-Za-z_@][\w.@]*)\s*:/g))
      add(match[1] as string, false, view);
  };
  for (const object of objects) {
    const view =
      object.references.find((reference) => reference.type === 'index-pattern')?.id ?? '';
    if (object.type === 'lens') {
      const state = object.attributes.state as {
        datasourceStates: {
          formBased: { layers: Record<string, { columns: Record<string, Column> }> };
        };
        query: { query: string };
      };
      for (const layer of Object.values(state.datasourceStates.formBased.layers))
        for (const column of Object.values(layer.columns)) add(column.sourceField, true, view);
      fromQuery(state.query.query, view);
    } else if (object.type === 'search') {
      for (const column of object.attributes.columns as string[]) add(column, false, view);
      for (const [field] of object.attributes.sort as [string, string][]) add(field, true, view);
      const source = JSON.parse(
        (object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
      ) as {
        query: { query: string };
      };
      fromQuery(source.query.query, view);
    } else if (object.type === 'index-pattern' && object.attributes.timeFieldName) {
      add(object.attributes.timeFieldName as string, true, object.id);
    }
  }
  return fields;
}
