import { SystemStatus } from "./SystemStatus";

export function App() {
  return (
    <>
      <header className="site-header">
        <div className="container">
          <h1>Practica</h1>
          <p className="tagline">Practical programming lessons in real environments</p>
        </div>
      </header>
      <main className="container">
        <SystemStatus />
      </main>
    </>
  );
}
