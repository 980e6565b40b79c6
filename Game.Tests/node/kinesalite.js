// Starts kinesalite (a Kinesis implementation nobody here wrote) on 127.0.0.1 only. Usage: node kinesalite.js PORT
const kinesalite = require("kinesalite");
const port = Number(process.argv[2]);
kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 })
  .listen(port, "127.0.0.1", (err) => {
    if (err) throw err;
    console.log(`kinesalite listening on 127.0.0.1:${port}`);
  });
