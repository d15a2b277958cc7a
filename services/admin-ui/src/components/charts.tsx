"use client";
/** Recharts, client-side only, each chart with its numbers as a screen-reader table beside it. */
import type { ReactElement } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

const PRIMARY = "oklch(0.5 0.2 270)";
const DANGER = "oklch(0.55 0.21 27)";
const SOFT = "oklch(0.7 0.12 270)";
const AXIS = { fontSize: 12, fill: "oklch(0.48 0.02 265)" };
const GRID = "oklch(0.9 0.01 265)";

export interface ChartSeries {
  key: string;
  label: string;
  tone: "primary" | "danger" | "soft";
}

const COLOR = { primary: PRIMARY, danger: DANGER, soft: SOFT };

type Row = Record<string, string | number | null>;

/** The chart's numbers as a table only screen readers meet (the SVG itself says little). */
function DataTable({ caption, rows, x, xLabel, series, format }: {
  caption: string;
  rows: Row[];
  x: string;
  xLabel: string;
  series: ChartSeries[];
  format: (value: number) => string;
}) {
  // the wrapper hides it: a table's own box ignores the 1px size and would stretch the page
  return (
    <div className="sr-only">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{xLabel}</th>
            {series.map((s) => (
              <th key={s.key} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              <th scope="row">{row[x]}</th>
              {series.map((s) => (
                <td key={s.key}>{typeof row[s.key] === "number" ? format(row[s.key] as number) : "–"}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Frame({ height, children }: { height: number; children: ReactElement }) {
  return (
    <div aria-hidden="true" style={{ height }} className="w-full">
      <ResponsiveContainer width="100%" height="100%">
        {children}
      </ResponsiveContainer>
    </div>
  );
}

export function TimeBarChart({
  rows,
  x,
  series,
  format,
  caption,
  xLabel,
  height = 260,
}: {
  rows: Row[];
  x: string;
  series: ChartSeries[];
  format: (value: number) => string;
  caption: string;
  xLabel: string;
  height?: number;
}) {
  return (
    <>
      <Frame height={height}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey={x} tick={AXIS} tickLine={false} axisLine={false} minTickGap={12} />
          <YAxis tick={AXIS} tickLine={false} axisLine={false} allowDecimals={false} />
          <Tooltip formatter={(value) => format(Number(value))} cursor={{ fill: "oklch(0.95 0.01 265)" }} />
          {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
          {series.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} fill={COLOR[s.tone]} radius={[3, 3, 0, 0]} maxBarSize={36} isAnimationActive={false} />
          ))}
        </BarChart>
      </Frame>
      <DataTable caption={caption} rows={rows} x={x} xLabel={xLabel} series={series} format={format} />
    </>
  );
}

export function TimeLineChart({
  rows,
  x,
  series,
  format,
  caption,
  xLabel,
  height = 260,
}: {
  rows: Row[];
  x: string;
  series: ChartSeries[];
  format: (value: number) => string;
  caption: string;
  xLabel: string;
  height?: number;
}) {
  // dots where the points are few enough to tell apart (a lone value would otherwise not show at all)
  const measured = rows.filter((row) => series.some((s) => typeof row[s.key] === "number")).length;
  return (
    <>
      <Frame height={height}>
        <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -8 }} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey={x} tick={AXIS} tickLine={false} axisLine={false} minTickGap={12} />
          <YAxis tick={AXIS} tickLine={false} axisLine={false} tickFormatter={(v: number) => format(v)} width={64} />
          <Tooltip formatter={(value) => format(Number(value))} />
          {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
          {series.map((s) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={s.label}
              stroke={COLOR[s.tone]}
              strokeWidth={2}
              dot={measured < 40}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </Frame>
      <DataTable caption={caption} rows={rows} x={x} xLabel={xLabel} series={series} format={format} />
    </>
  );
}

/** Horizontal bars, one per name (top users). */
export function RankedBarChart({
  rows,
  series,
  format,
  caption,
  xLabel,
}: {
  rows: { name: string; value: number }[];
  series: ChartSeries;
  format: (value: number) => string;
  caption: string;
  xLabel: string;
}) {
  const height = Math.max(120, rows.length * 36 + 24);
  return (
    <>
      <Frame height={height}>
        <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid stroke={GRID} horizontal={false} />
          <XAxis type="number" tick={AXIS} tickLine={false} axisLine={false} tickFormatter={(v: number) => format(v)} />
          <YAxis type="category" dataKey="name" tick={AXIS} tickLine={false} axisLine={false} width={140} />
          <Tooltip formatter={(value) => format(Number(value))} cursor={{ fill: "oklch(0.95 0.01 265)" }} />
          <Bar dataKey="value" name={series.label} fill={COLOR[series.tone]} radius={[0, 3, 3, 0]} maxBarSize={24} isAnimationActive={false} />
        </BarChart>
      </Frame>
      <DataTable caption={caption} rows={rows} x="name" xLabel={xLabel} series={[{ ...series, key: "value" }]} format={format} />
    </>
  );
}
