// Preloaded into every local Lambda function (node --require): the part of AWS's network the emulator stands in for
// that the SDK's endpoint settings cannot reach. CloudFormation's custom resource responses go to a presigned S3 URL
// over HTTPS on port 443, which the Provider framework names without a port; this routes that host to the emulator's
// HTTPS endpoint, trusting its certificate for that host only. Everything else is untouched.
const fs = require('fs');
const https = require('https');

const network = JSON.parse(process.env.EMULATOR_NETWORK || 'null');
if (network) {
  const ca = fs.readFileSync(network.responseBucketCaFile);
  class ResponseBucketRoute extends https.Agent {
    createConnection(options, callback) {
      const host = options.servername || options.host;
      if (!String(host).endsWith(network.responseBucketHostSuffix)) return super.createConnection(options, callback);
      return super.createConnection({ ...options, host: '127.0.0.1', port: network.responseBucketPort, servername: host, ca }, callback);
    }
  }
  https.globalAgent = new ResponseBucketRoute({ keepAlive: true });
}
