module.exports = require('@verbatim/jest-config')(__dirname);
