// jose's signing code, imported by credentials.ts on the first certificate assertion only: an exchange with a client
// secret never loads it. A module of its own, so the bundler keeps just SignJWT (a dynamic import of 'jose' itself
// would keep every export).
export { SignJWT } from 'jose';
