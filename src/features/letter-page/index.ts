export { letterPage } from './letter-page.router';
