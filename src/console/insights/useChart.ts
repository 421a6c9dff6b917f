/**
 * One Chart.js chart on a canvas, for the life of the component: built once, given new data in place (so a refresh
 * does not flash), destroyed on unmount. Chart.js draws on the canvas and sizes it through the CSSOM, which the
 * console's strict CSP allows (it refuses inline style attributes and scripts, not `element.style`).
 */
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration, type ChartType,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

// Only what the Insights charts draw, so the bundle carries no more of Chart.js than it uses.
Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export function useChart<T extends ChartType>(config: ChartConfiguration<T>) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<T> | null>(null);
  useEffect(() => {
    if (canvas.current === null) return undefined;
    chart.current = new Chart(canvas.current, config);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
    // Built once; later configs only replace the data and options below.
  }, []);
  useEffect(() => {
    if (chart.current === null) return;
    chart.current.data = config.data;
    if (config.options !== undefined) chart.current.options = config.options;
    chart.current.update();
  }, [config]);
  return canvas;
}
