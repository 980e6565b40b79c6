// Starts dynalite (a real DynamoDB API server) on 127.0.0.1 only. Usage: node dynalite.js PORT [PATH]
// With PATH, tables live in LevelDB under that folder, so a dynalite killed and started again on the same PATH
// still has them (the store-outage tests rely on it); without it, they live in memory and die with the process.
const dynalite = require("dynalite");
const port = Number(process.argv[2]);
const path = process.argv[3];
dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) })
  .listen(port, "127.0.0.1", (err) => {
    if (err) throw err;
    console.log(`dynalite listening on 127.0.0.1:${port}${path ? ` with tables in ${path}` : ""}`);
  });
