// docs/grafana/nest-pg-jobs.json, the Grafana dashboard on nest-pg-jobs/prometheus's metrics: an
// importable Grafana 10 dashboard whose every query names only metrics the module exports.
// (test/e2e/prometheus.e2e-spec.ts runs each query against a real Prometheus.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { jobsSeriesNames } from '../../lib/prometheus/jobs-metrics.catalog.js';

interface Target {
  expr: string;
  refId: string;
  datasource: { type: string; uid: string };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
}

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/nest-pg-jobs.json', import.meta.url), 'utf8')) as {
  __inputs: { name: string; type: string; pluginId: string }[];
  __requires: { type: string; id: string; version: string }[];
  panels: Panel[];
  templating: { list: { name: string; query: { query: string }; datasource: { uid: string } }[] };
  schemaVersion: number;
  uid: string;
  title: string;
};

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: every identifier left once strings, label matchers,
 * groupings and ranges are taken out, except function names (followed by "(") and keywords.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  return [...bare.matchAll(/(?<![\w.])([A-Za-z_:][A-Za-z0-9_:]*)(?![\w:]|\s*\()/g)]
    .map((match) => match[1]!)
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
}

describe('the Grafana dashboard', () => {
  it('is a Grafana 10 dashboard with its Prometheus data source as the input DS_PROMETHEUS', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('nest-pg-jobs');
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(dashboard.__requires).toContainEqual(expect.objectContaining({ type: 'grafana', version: '10.0.0' }));
    for (const panel of dashboard.panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      for (const target of panel.targets) expect(target.datasource.uid).toBe('${DS_PROMETHEUS}');
      expect(dashboard.__requires).toContainEqual(expect.objectContaining({ type: 'panel', id: panel.type }));
    }
    expect(dashboard.templating.list.map((variable) => variable.datasource.uid)).toEqual(['${DS_PROMETHEUS}']);
  });

  it('lays out its panels on the 24-column grid without overlaps, with unique ids and ref ids', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { gridPos, title, targets } of dashboard.panels) {
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect({ title, cell: `${x},${y}`, taken: cells.has(`${x},${y}`) }).toEqual({ title, cell: `${x},${y}`, taken: false });
          cells.add(`${x},${y}`);
        }
      }
      const refIds = targets.map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });

  it('shows waiting jobs, the oldest waiting age, throughput, the duration p95 and dead letters', () => {
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)).join('\n');
    expect(exprs).toContain('jobs_queue_waiting');
    expect(exprs).toContain('jobs_queue_oldest_waiting_seconds');
    expect(exprs).toMatch(/rate\(jobs_completed_total/);
    expect(exprs).toMatch(/rate\(jobs_failed_total/);
    expect(exprs).toMatch(/histogram_quantile\(0\.95, sum by \(queue, le\) \(rate\(jobs_duration_seconds_bucket/);
    expect(exprs).toContain('jobs_queue_dead_lettered');
  });

  it('names, in every query and variable, only metrics nest-pg-jobs/prometheus exports', () => {
    const exported = new Set(jobsSeriesNames('jobs_'));
    const queries = [
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ where: panel.title, expr: target.expr }))),
      ...dashboard.templating.list.map((variable) => ({
        where: `variable ${variable.name}`,
        // label_values(metric, label): the metric is its first argument.
        expr: variable.query.query.replace(/^label_values\((\w+),.*$/, '$1{}'),
      })),
    ];
    expect(queries.length).toBeGreaterThan(10);
    for (const { where, expr } of queries) {
      const names = metricNames(expr);
      expect({ where, expr, names: names.length > 0 }).toEqual({ where, expr, names: true });
      for (const name of names) expect({ where, name, exported: exported.has(name) }).toEqual({ where, name, exported: true });
    }
  });

  it('reads the metrics a metric-name parser finds in PromQL', () => {
    expect(metricNames('sum by (queue) (rate(jobs_completed_total{queue=~"$queue"}[5m])) / max(jobs_queue_waiting) > bool 0.5')).toEqual([
      'jobs_completed_total',
      'jobs_queue_waiting',
    ]);
    expect(metricNames('histogram_quantile(0.95, sum by (queue, le) (rate(jobs_duration_seconds_bucket{le="1e3"}[$__rate_interval])))')).toEqual([
      'jobs_duration_seconds_bucket',
    ]);
    expect(metricNames('max by (queue) (jobs_queue_waiting{queue="a{b"})')).toEqual(['jobs_queue_waiting']);
  });
});
