// Loaded by `npm run register` (Probot's manifest flow) only once the App exists.
export default (app) => {
  app.log.info("The GitHub App is registered and .env holds its credentials: stop this (Ctrl-C) and run `npm start`.");
};
