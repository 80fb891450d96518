import "../experiment/start.css";

/** The leaderboard's ways to start work: a new experiment, or a baseline of a base model. */
export function StartLinks(props: { project: string }) {
  return (
    <nav class="start-links" aria-label="start work">
      <a class="primary" href={`/projects/${props.project}/experiments/new`}>
        New experiment
      </a>
      <a href={`/projects/${props.project}/experiments/new?kind=baseline`}>Run a baseline</a>
      <a href={`/projects/${props.project}/datasets`}>Import data</a>
    </nav>
  );
}
