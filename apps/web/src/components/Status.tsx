/** An experiment or eval status as a coloured badge. */
export function StatusBadge(props: { status: string; detail?: string | undefined }) {
  return (
    <span class={`badge status-${props.status}`} data-status={props.status}>
      {props.status}
      {props.detail ? ` ${props.detail}` : ""}
    </span>
  );
}
