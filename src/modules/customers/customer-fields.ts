/** Profile fields of the 客户基本资料表 template: API name → column. */
export const PROFILE_COLUMNS = {
  kind: 'kind',
  name: 'name',
  gender: 'gender',
  birthDate: 'birth_date',
  nativePlace: 'native_place',
  education: 'education',
  homeAddress: 'home_address',
  companyName: 'company_name',
  companyFoundedOn: 'company_founded_on',
  jobTitle: 'job_title',
  companyAddress: 'company_address',
  postcode: 'postcode',
  phone: 'phone',
  fax: 'fax',
  mobile: 'mobile',
  website: 'website',
  email: 'email',
  hobbies: 'hobbies',
  favouriteSport: 'favourite_sport',
  mostAdmiredPerson: 'most_admired_person',
  favouritePastime: 'favourite_pastime',
  favouriteBook: 'favourite_book',
  smoker: 'smoker',
  drinker: 'drinker',
  religion: 'religion',
  motto: 'motto',
  notes: 'notes',
  registeredOn: 'registered_on',
  level: 'level',
  region: 'region',
  industry: 'industry',
  lifecycleStage: 'lifecycle_stage',
  relationshipType: 'relationship_type',
  ownerId: 'owner_id',
} as const;
export type ProfileField = keyof typeof PROFILE_COLUMNS;

/** Fields shown only to callers allowed to see them (R-C12); the zodiac reveals the birth year, so it goes with the birth date. */
export const SENSITIVE_FIELDS = ['birthDate', 'zodiac', 'religion', 'smoker', 'drinker'] as const;
export type SensitiveField = (typeof SENSITIVE_FIELDS)[number];

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'boolean', 'date', 'enum'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];
export const EDUCATION_LEVELS = ['小学', '初中', '高中', '大专', '本科及以上'] as const;
export const CUSTOMER_LEVELS = ['高', '中', '低'] as const;
export const LIFECYCLE_STAGES = ['identification', 'development', 'stable', 'decline'] as const;
export const RELATIONSHIP_TYPES = ['basic', 'passive', 'responsible', 'proactive', 'partner'] as const;
export const CONTACT_CHANNELS = ['email', 'sms', 'phone', 'social', 'chat', 'mail'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
export const INTERACTION_CHANNELS = ['phone', 'email', 'sms', 'social', 'chat', 'visit', 'web_form'] as const;
export const PAYMENT_METHODS = [
  'cash',
  'card',
  'online',
  'bank_transfer',
  'wechat_pay',
  'alipay',
  'voucher',
  'other',
] as const;
