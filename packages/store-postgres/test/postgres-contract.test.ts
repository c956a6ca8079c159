import { describeStoreContract } from '@rgchat/testkit';
import { openPostgresStore } from '../src';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor } from './pg-test-env';

// A fresh schema per test; open() reopens the same schema, so "reopen keeps
// everything" really goes through the database.
describePostgres('postgres store contract', () => {
  describeStoreContract('postgres', async () => {
    const schema = freshSchema();
    return {
      open: () => openPostgresStore({ url: urlFor(RUN_ID), schema, poolSize: 4 }),
      destroy: () => dropSchema(schema),
    };
  });
});
