'use strict';
// The test environment: jest's node environment, with git run through a small helper process (git-client.js).
const { TestEnvironment } = require('jest-environment-node');
const { install } = require('./git-client');

module.exports = class StoaTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    install();
  }
};
