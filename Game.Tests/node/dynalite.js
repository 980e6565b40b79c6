// Starts dynalite (a real DynamoDB API server) on 127.0.0.1 only. Usage: node dynalite.js PORT
const dynalite = require("dynalite");
const port = Number(process.argv[2]);
dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  .listen(port, "127.0.0.1", (err) => {
    if (err) throw err;
    console.log(`dynalite listening on 127.0.0.1:${port}`);
  });
