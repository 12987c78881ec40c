// The spider registry: a spider is found by its name. Adding a spider is one file and one line here.
import type { SpiderClass } from '../core/spider.js';
import { RestSpider } from './rest.js';
import { ZohoSpider } from './zoho.js';

export const SPIDERS: Record<string, SpiderClass> = {
  rest: RestSpider,
  zoho: ZohoSpider,
};
