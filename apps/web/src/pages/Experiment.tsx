export default function Experiment(_props: Record<string, string>) { return <p>todo</p>; }
