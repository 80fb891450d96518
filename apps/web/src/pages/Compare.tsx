export default function Compare(_props: Record<string, string>) { return <p>todo</p>; }
