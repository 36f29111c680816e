// Two hand-drawn SVG charts: monthly bars and a price line with a
// threshold band. Amounts become numbers here only to place pixels; every
// label shows the exact decimal text.

import { useId } from "react";

export interface Bar {
  key: string;
  label: string;
  value: number;
  title: string;
  href?: string;
}

export function BarChart({ bars, label, height = 180 }: { bars: Bar[]; label: string; height?: number }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const w = 600;
  const gap = 6;
  const bw = (w - gap * (bars.length - 1)) / Math.max(1, bars.length);
  const top = 10;
  const bottom = 22;
  const plot = height - top - bottom;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${height}`} role="img" aria-label={label} preserveAspectRatio="none">
        <line x1="0" x2={w} y1={top + plot} y2={top + plot} className="axis" />
        {bars.map((b, i) => {
          const h = (b.value / max) * plot;
          const x = i * (bw + gap);
          return (
            <g key={b.key}>
              <rect x={x} y={top + plot - h} width={bw} height={Math.max(h, b.value > 0 ? 1 : 0)} className="bar">
                <title>{b.title}</title>
              </rect>
              <text x={x + bw / 2} y={height - 6} textAnchor="middle" className="tick">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="visually-hidden">
        <ul>
          {bars.map((b) => (
            <li key={b.key}>{b.title}</li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

export interface Point {
  key: string;
  x: string;
  value: number;
  title: string;
  alert: boolean;
}

/// Price over time; dots in alert colour where a rise passed the
/// threshold, and a dashed line at the previous price × (1 + threshold).
export function PriceChart({
  points,
  thresholdPercent,
  label,
  height = 200,
}: {
  points: Point[];
  thresholdPercent: number | null;
  label: string;
  height?: number;
}) {
  const id = useId();
  const w = 600;
  const padX = 40;
  const padY = 16;
  const values = points.map((p) => p.value);
  const last = values[values.length - 1] ?? 0;
  const limit = thresholdPercent != null && points.length >= 1 ? (values[values.length - 2] ?? last) * (1 + thresholdPercent / 100) : null;
  const hi = Math.max(...values, limit ?? 0, 0.01);
  const lo = Math.min(...values, hi) * 0.9;
  const y = (v: number) => padY + (1 - (v - lo) / Math.max(hi - lo, 1e-9)) * (height - 2 * padY - 14);
  const x = (i: number) => (points.length <= 1 ? w / 2 : padX + (i * (w - 2 * padX)) / (points.length - 1));
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${height}`} role="img" aria-labelledby={id}>
        <title id={id}>{label}</title>
        {limit != null && (
          <g>
            <line x1={padX} x2={w - padX} y1={y(limit)} y2={y(limit)} className="threshold" />
            <text x={w - padX} y={y(limit) - 4} textAnchor="end" className="tick">
              +{thresholdPercent}%
            </text>
          </g>
        )}
        <path d={path} className="line" fill="none" />
        {points.map((p, i) => (
          <circle key={p.key} cx={x(i)} cy={y(p.value)} r={p.alert ? 5 : 3.5} className={p.alert ? "dot alert" : "dot"}>
            <title>{p.title}</title>
          </circle>
        ))}
        {points.length > 0 && (
          <>
            <text x={x(0)} y={height - 2} textAnchor="start" className="tick">
              {points[0]!.x}
            </text>
            {points.length > 1 && (
              <text x={x(points.length - 1)} y={height - 2} textAnchor="end" className="tick">
                {points[points.length - 1]!.x}
              </text>
            )}
          </>
        )}
      </svg>
      <figcaption className="visually-hidden">
        <ul>
          {points.map((p) => (
            <li key={p.key}>{p.title}</li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
