/** A score with its 95% interval on a 0..max scale: a line from low to high and a dot at the score. */
export function IntervalBar(props: {
  score: number | null;
  low?: number | null | undefined;
  high?: number | null | undefined;
  max?: number;
}) {
  const max = () => props.max ?? 1;
  const x = (v: number) => `${Math.min(100, Math.max(0, (v / max()) * 100))}%`;
  return (
    <svg class="interval-bar" viewBox="0 0 100 12" preserveAspectRatio="none" aria-hidden="true">
      <rect x="0" y="5" width="100" height="2" class="track" />
      {props.low !== null && props.low !== undefined && props.high !== null && props.high !== undefined && (
        <rect
          x={x(props.low)}
          y="3"
          width={`${Math.max(0.8, ((props.high - props.low) / max()) * 100)}%`}
          height="6"
          class="range"
          rx="1"
        />
      )}
      {props.score !== null && <circle cx={x(props.score)} cy="6" r="3" class="dot" />}
    </svg>
  );
}
