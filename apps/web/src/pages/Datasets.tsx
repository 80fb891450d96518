export default function Datasets(_props: Record<string, string>) { return <p>todo</p>; }
