/**
 * Reference data for the demo seed: Chinese surnames and given names with pinyin (for e-mail
 * addresses), places, industries, company names and products. Weights are relative frequencies.
 */

/** [surname, pinyin, weight ‰ of the population, roughly] */
export const SURNAMES: [string, string, number][] = [
  ['王', 'wang', 72], ['李', 'li', 72], ['张', 'zhang', 69], ['刘', 'liu', 54], ['陈', 'chen', 45], ['杨', 'yang', 31],
  ['黄', 'huang', 22], ['赵', 'zhao', 23], ['吴', 'wu', 21], ['周', 'zhou', 19], ['徐', 'xu', 15], ['孙', 'sun', 14],
  ['马', 'ma', 12], ['朱', 'zhu', 12], ['胡', 'hu', 11], ['郭', 'guo', 11], ['何', 'he', 10], ['高', 'gao', 10],
  ['林', 'lin', 10], ['罗', 'luo', 9], ['郑', 'zheng', 8], ['梁', 'liang', 8], ['谢', 'xie', 7], ['宋', 'song', 7],
  ['唐', 'tang', 7], ['许', 'xu', 6], ['韩', 'han', 6], ['冯', 'feng', 6], ['邓', 'deng', 6], ['曹', 'cao', 6],
  ['彭', 'peng', 5], ['曾', 'zeng', 5], ['肖', 'xiao', 5], ['田', 'tian', 5], ['董', 'dong', 5], ['袁', 'yuan', 5],
  ['潘', 'pan', 5], ['于', 'yu', 5], ['蒋', 'jiang', 5], ['蔡', 'cai', 5], ['余', 'yu', 4], ['杜', 'du', 4],
  ['叶', 'ye', 4], ['程', 'cheng', 4], ['苏', 'su', 4], ['魏', 'wei', 4], ['吕', 'lv', 4], ['丁', 'ding', 4],
  ['任', 'ren', 4], ['沈', 'shen', 4], ['姚', 'yao', 3], ['卢', 'lu', 3], ['姜', 'jiang', 3], ['崔', 'cui', 3],
  ['钟', 'zhong', 3], ['谭', 'tan', 3], ['陆', 'lu', 3], ['汪', 'wang', 3], ['范', 'fan', 3], ['金', 'jin', 3],
  ['石', 'shi', 3], ['廖', 'liao', 3], ['贾', 'jia', 3], ['夏', 'xia', 3], ['韦', 'wei', 3], ['付', 'fu', 3],
  ['方', 'fang', 3], ['白', 'bai', 2], ['邹', 'zou', 2], ['孟', 'meng', 2], ['熊', 'xiong', 2], ['秦', 'qin', 2],
  ['邱', 'qiu', 2], ['江', 'jiang', 2], ['尹', 'yin', 2], ['薛', 'xue', 2], ['闫', 'yan', 2], ['段', 'duan', 2],
  ['雷', 'lei', 2], ['侯', 'hou', 2], ['龙', 'long', 2], ['史', 'shi', 2], ['陶', 'tao', 2], ['黎', 'li', 2],
  ['贺', 'he', 2], ['顾', 'gu', 2], ['毛', 'mao', 2], ['郝', 'hao', 2], ['龚', 'gong', 2], ['邵', 'shao', 2],
  ['万', 'wan', 2], ['钱', 'qian', 2], ['严', 'yan', 2], ['武', 'wu', 2], ['戴', 'dai', 2], ['莫', 'mo', 1],
  ['孔', 'kong', 1], ['向', 'xiang', 1], ['汤', 'tang', 1], ['应', 'ying', 1], ['楼', 'lou', 1], ['胥', 'xu', 1],
  ['欧阳', 'ouyang', 1], ['上官', 'shangguan', 1], ['司马', 'sima', 1], ['诸葛', 'zhuge', 1],
];

/** Characters used on their own or combined into two-character given names. */
export const MALE_CHARS: [string, string][] = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['勇', 'yong'], ['杰', 'jie'], ['涛', 'tao'], ['斌', 'bin'],
  ['超', 'chao'], ['明', 'ming'], ['刚', 'gang'], ['平', 'ping'], ['辉', 'hui'], ['鹏', 'peng'], ['华', 'hua'], ['飞', 'fei'],
  ['鑫', 'xin'], ['波', 'bo'], ['宇', 'yu'], ['浩', 'hao'], ['凯', 'kai'], ['健', 'jian'], ['俊', 'jun'], ['帆', 'fan'],
  ['旭', 'xu'], ['宁', 'ning'], ['龙', 'long'], ['林', 'lin'], ['阳', 'yang'], ['建', 'jian'], ['国', 'guo'], ['峰', 'feng'],
  ['文', 'wen'], ['志', 'zhi'], ['海', 'hai'], ['东', 'dong'], ['亮', 'liang'], ['成', 'cheng'], ['新', 'xin'], ['永', 'yong'],
  ['金', 'jin'], ['德', 'de'], ['家', 'jia'], ['博', 'bo'], ['晨', 'chen'], ['毅', 'yi'], ['振', 'zhen'], ['荣', 'rong'],
  ['立', 'li'], ['庆', 'qing'], ['忠', 'zhong'], ['胜', 'sheng'], ['天', 'tian'], ['翔', 'xiang'], ['洋', 'yang'], ['彬', 'bin'],
  ['晖', 'hui'], ['坤', 'kun'], ['哲', 'zhe'], ['睿', 'rui'],
];

export const FEMALE_CHARS: [string, string][] = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'], ['娟', 'juan'], ['霞', 'xia'],
  ['秀', 'xiu'], ['英', 'ying'], ['玲', 'ling'], ['桂', 'gui'], ['燕', 'yan'], ['红', 'hong'], ['萍', 'ping'], ['婷', 'ting'],
  ['雪', 'xue'], ['琳', 'lin'], ['晶', 'jing'], ['慧', 'hui'], ['颖', 'ying'], ['倩', 'qian'], ['梅', 'mei'], ['莉', 'li'],
  ['兰', 'lan'], ['凤', 'feng'], ['洁', 'jie'], ['琴', 'qin'], ['云', 'yun'], ['佳', 'jia'], ['欣', 'xin'], ['悦', 'yue'],
  ['雅', 'ya'], ['怡', 'yi'], ['璐', 'lu'], ['丹', 'dan'], ['蕾', 'lei'], ['薇', 'wei'], ['瑶', 'yao'], ['珍', 'zhen'],
  ['淑', 'shu'], ['美', 'mei'], ['月', 'yue'], ['晓', 'xiao'], ['玉', 'yu'], ['春', 'chun'], ['宁', 'ning'], ['婧', 'jing'],
  ['琪', 'qi'], ['露', 'lu'],
];

/** Popular two-character given names of people born before 1980. */
export const CLASSIC_NAMES: { male: [string, string][]; female: [string, string][] } = {
  male: [
    ['建国', 'jianguo'], ['建军', 'jianjun'], ['建华', 'jianhua'], ['志强', 'zhiqiang'], ['国强', 'guoqiang'], ['文军', 'wenjun'],
    ['永刚', 'yonggang'], ['海涛', 'haitao'], ['小明', 'xiaoming'], ['卫东', 'weidong'], ['建平', 'jianping'], ['明华', 'minghua'],
    ['国庆', 'guoqing'], ['红军', 'hongjun'], ['德胜', 'desheng'], ['振华', 'zhenhua'], ['立新', 'lixin'], ['学军', 'xuejun'],
  ],
  female: [
    ['秀英', 'xiuying'], ['桂英', 'guiying'], ['秀兰', 'xiulan'], ['玉兰', 'yulan'], ['桂兰', 'guilan'], ['秀珍', 'xiuzhen'],
    ['凤英', 'fengying'], ['玉梅', 'yumei'], ['丽华', 'lihua'], ['海燕', 'haiyan'], ['丽娟', 'lijuan'], ['淑珍', 'shuzhen'],
    ['春梅', 'chunmei'], ['晓红', 'xiaohong'], ['美玲', 'meiling'], ['红梅', 'hongmei'], ['爱华', 'aihua'], ['金凤', 'jinfeng'],
  ],
};

/** Popular two-character given names of people born from 1980. */
export const MODERN_NAMES: { male: [string, string][]; female: [string, string][] } = {
  male: [
    ['浩然', 'haoran'], ['子轩', 'zixuan'], ['梓轩', 'zixuan'], ['宇轩', 'yuxuan'], ['俊杰', 'junjie'], ['浩宇', 'haoyu'],
    ['子豪', 'zihao'], ['博文', 'bowen'], ['一鸣', 'yiming'], ['天宇', 'tianyu'], ['家豪', 'jiahao'], ['明轩', 'mingxuan'],
    ['志伟', 'zhiwei'], ['嘉诚', 'jiacheng'], ['文博', 'wenbo'], ['思远', 'siyuan'], ['晨阳', 'chenyang'], ['睿哲', 'ruizhe'],
  ],
  female: [
    ['欣怡', 'xinyi'], ['梓涵', 'zihan'], ['子涵', 'zihan'], ['雨桐', 'yutong'], ['诗涵', 'shihan'], ['可馨', 'kexin'],
    ['思琪', 'siqi'], ['佳怡', 'jiayi'], ['梦瑶', 'mengyao'], ['雨萱', 'yuxuan'], ['晓雪', 'xiaoxue'], ['婉婷', 'wanting'],
    ['静怡', 'jingyi'], ['一诺', 'yinuo'], ['紫涵', 'zihan'], ['语嫣', 'yuyan'], ['雅琪', 'yaqi'], ['佳琪', 'jiaqi'],
  ],
};

export interface Place {
  provinceShort: string; // region, e.g. 浙江
  provinceFull: string; // 浙江省; municipalities 上海市
  city: string; // 金华市; '' for municipalities
  district: string; // 永康市 / 西湖区
  companyPrefix: string; // how a company registered here starts its name: 永康市 / 杭州 / 深圳市
  areaCode: string; // without the trunk 0
  postcode: string;
  bigRegion: '华东' | '华南' | '华北' | '华中' | '西南' | '西北' | '东北';
  weight: number;
}

const place = (
  provinceShort: string, provinceFull: string, city: string, district: string, companyPrefix: string,
  areaCode: string, postcode: string, bigRegion: Place['bigRegion'], weight: number,
): Place => ({ provinceShort, provinceFull, city, district, companyPrefix, areaCode, postcode, bigRegion, weight });

export const PLACES: Place[] = [
  place('浙江', '浙江省', '金华市', '永康市', '永康市', '579', '321300', '华东', 8),
  place('浙江', '浙江省', '金华市', '义乌市', '义乌市', '579', '322000', '华东', 8),
  place('浙江', '浙江省', '金华市', '婺城区', '金华市', '579', '321000', '华东', 4),
  place('浙江', '浙江省', '杭州市', '西湖区', '杭州', '571', '310012', '华东', 6),
  place('浙江', '浙江省', '杭州市', '滨江区', '杭州', '571', '310051', '华东', 4),
  place('浙江', '浙江省', '宁波市', '鄞州区', '宁波', '574', '315100', '华东', 5),
  place('浙江', '浙江省', '温州市', '鹿城区', '温州', '577', '325000', '华东', 4),
  place('浙江', '浙江省', '绍兴市', '柯桥区', '绍兴市', '575', '312030', '华东', 3),
  place('浙江', '浙江省', '台州市', '椒江区', '台州市', '576', '318000', '华东', 3),
  place('江苏', '江苏省', '南京市', '玄武区', '南京', '25', '210018', '华东', 5),
  place('江苏', '江苏省', '苏州市', '吴中区', '苏州', '512', '215100', '华东', 6),
  place('江苏', '江苏省', '无锡市', '梁溪区', '无锡', '510', '214000', '华东', 4),
  place('江苏', '江苏省', '常州市', '武进区', '常州市', '519', '213100', '华东', 3),
  place('上海', '上海市', '', '浦东新区', '上海', '21', '200120', '华东', 8),
  place('上海', '上海市', '', '闵行区', '上海', '21', '201100', '华东', 5),
  place('山东', '山东省', '济南市', '历下区', '济南', '531', '250014', '华东', 4),
  place('山东', '山东省', '青岛市', '市南区', '青岛', '532', '266000', '华东', 4),
  place('山东', '山东省', '临沂市', '兰山区', '临沂市', '539', '276000', '华东', 3),
  place('安徽', '安徽省', '合肥市', '蜀山区', '合肥', '551', '230031', '华东', 4),
  place('福建', '福建省', '福州市', '鼓楼区', '福州', '591', '350001', '华东', 3),
  place('福建', '福建省', '厦门市', '思明区', '厦门', '592', '361001', '华东', 3),
  place('福建', '福建省', '泉州市', '晋江市', '晋江市', '595', '362200', '华东', 3),
  place('江西', '江西省', '南昌市', '东湖区', '南昌', '791', '330006', '华东', 3),
  place('广东', '广东省', '广州市', '天河区', '广州', '20', '510630', '华南', 7),
  place('广东', '广东省', '深圳市', '南山区', '深圳市', '755', '518000', '华南', 6),
  place('广东', '广东省', '深圳市', '福田区', '深圳市', '755', '518000', '华南', 4),
  place('广东', '广东省', '佛山市', '顺德区', '佛山市', '757', '528300', '华南', 4),
  place('广东', '广东省', '东莞市', '长安镇', '东莞市', '769', '523850', '华南', 4),
  place('广西', '广西壮族自治区', '南宁市', '青秀区', '南宁', '771', '530022', '华南', 3),
  place('海南', '海南省', '海口市', '龙华区', '海口', '898', '570105', '华南', 1),
  place('北京', '北京市', '', '朝阳区', '北京', '10', '100020', '华北', 7),
  place('北京', '北京市', '', '海淀区', '北京', '10', '100080', '华北', 5),
  place('天津', '天津市', '', '和平区', '天津', '22', '300041', '华北', 3),
  place('河北', '河北省', '石家庄市', '长安区', '石家庄', '311', '050000', '华北', 4),
  place('山西', '山西省', '太原市', '小店区', '太原', '351', '030032', '华北', 2),
  place('内蒙古', '内蒙古自治区', '呼和浩特市', '赛罕区', '呼和浩特', '471', '010020', '华北', 1),
  place('河南', '河南省', '郑州市', '金水区', '郑州', '371', '450000', '华中', 5),
  place('河南', '河南省', '洛阳市', '涧西区', '洛阳', '379', '471000', '华中', 2),
  place('湖北', '湖北省', '武汉市', '武昌区', '武汉', '27', '430060', '华中', 5),
  place('湖北', '湖北省', '宜昌市', '西陵区', '宜昌', '717', '443000', '华中', 2),
  place('湖南', '湖南省', '长沙市', '岳麓区', '长沙', '731', '410006', '华中', 4),
  place('四川', '四川省', '成都市', '武侯区', '成都', '28', '610041', '西南', 6),
  place('四川', '四川省', '绵阳市', '涪城区', '绵阳', '816', '621000', '西南', 2),
  place('重庆', '重庆市', '', '渝中区', '重庆', '23', '400010', '西南', 4),
  place('云南', '云南省', '昆明市', '五华区', '昆明', '871', '650021', '西南', 2),
  place('贵州', '贵州省', '贵阳市', '云岩区', '贵阳', '851', '550001', '西南', 2),
  place('陕西', '陕西省', '西安市', '雁塔区', '西安', '29', '710061', '西北', 4),
  place('甘肃', '甘肃省', '兰州市', '城关区', '兰州', '931', '730030', '西北', 1),
  place('新疆', '新疆维吾尔自治区', '乌鲁木齐市', '天山区', '乌鲁木齐', '991', '830002', '西北', 1),
  place('辽宁', '辽宁省', '沈阳市', '和平区', '沈阳', '24', '110001', '东北', 3),
  place('辽宁', '辽宁省', '大连市', '中山区', '大连', '411', '116001', '东北', 2),
  place('吉林', '吉林省', '长春市', '朝阳区', '长春', '431', '130012', '东北', 2),
  place('黑龙江', '黑龙江省', '哈尔滨市', '南岗区', '哈尔滨', '451', '150001', '东北', 2),
];

export const STREETS = [
  '人民路', '解放路', '中山路', '建设路', '和平路', '新华路', '胜利路', '文化路', '长江路', '黄河路', '工业大道', '世纪大道',
  '华丰路', '五金大道', '科技路', '创业路', '环城北路', '振兴路', '迎宾大道', '学院路', '南湖路', '江滨路', '望春路', '金城路',
  '东升路', '紫荆路', '青年路', '朝阳路', '光明路', '民主路',
];

export const ESTATES = [
  '阳光花园', '金色家园', '锦绣华庭', '碧桂园', '万科城', '幸福里', '翠苑', '世纪新城', '香樟园', '江南名府', '盛世豪庭',
  '绿城桂花园', '滨江一号', '御景湾', '东方名苑', '和谐家园', '丽景湾', '书香苑', '龙湖春江郦城', '新城国际',
];

export const INDUSTRIAL_ZONES = ['经济开发区', '工业园区', '高新技术产业园', '科技园', '五金科技工业园', '现代农业园', '物流园区'];

/** [industry, weight, business phrases a company of that industry is named with] */
export const INDUSTRIES: [string, number, string[]][] = [
  ['制造业', 24, ['五金制品', '机械设备', '电器', '塑料制品', '工具', '门业', '汽车配件', '纺织']],
  ['零售', 16, ['商贸', '百货', '超市', '电子商务']],
  ['批发', 8, ['贸易', '进出口', '供应链管理']],
  ['金融', 5, ['投资管理', '融资租赁', '资产管理']],
  ['教育', 6, ['教育科技', '培训学校', '文化传播']],
  ['医疗', 6, ['医疗器械', '医药', '健康管理']],
  ['餐饮', 8, ['餐饮管理', '食品', '酒店管理']],
  ['物流', 6, ['物流', '快递服务', '运输']],
  ['互联网', 7, ['网络科技', '信息技术', '软件开发']],
  ['建筑', 6, ['建筑工程', '装饰工程', '建材']],
  ['房地产', 3, ['房地产开发', '物业管理']],
  ['农业', 3, ['农业发展', '生态农业', '茶业']],
  ['服务业', 2, ['家政服务', '人力资源', '广告']],
];

/** [字号, pinyin]: the distinctive part of a company name. */
export const TRADE_NAMES: [string, string][] = [
  ['恒达', 'hengda'], ['金盛', 'jinsheng'], ['华鑫', 'huaxin'], ['宏远', 'hongyuan'], ['鑫源', 'xinyuan'], ['永兴', 'yongxing'],
  ['天成', 'tiancheng'], ['汇丰', 'huifeng'], ['中天', 'zhongtian'], ['瑞丰', 'ruifeng'], ['东方', 'dongfang'], ['新华', 'xinhua'],
  ['富达', 'fuda'], ['兴隆', 'xinglong'], ['长城', 'changcheng'], ['正泰', 'zhengtai'], ['华美', 'huamei'], ['博远', 'boyuan'],
  ['诚信', 'chengxin'], ['万家', 'wanjia'], ['泰和', 'taihe'], ['嘉禾', 'jiahe'], ['康达', 'kangda'], ['明辉', 'minghui'],
  ['利民', 'limin'], ['百盛', 'baisheng'], ['金鼎', 'jinding'], ['顺达', 'shunda'], ['旺鑫', 'wangxin'], ['鼎盛', 'dingsheng'],
  ['海天', 'haitian'], ['星辰', 'xingchen'], ['骏马', 'junma'], ['永固', 'yonggu'], ['佳和', 'jiahe'], ['光大', 'guangda'],
  ['宏泰', 'hongtai'], ['凯旋', 'kaixuan'], ['远航', 'yuanhang'], ['盛世', 'shengshi'], ['金利', 'jinli'], ['合力', 'heli'],
];

export const COMPANY_SUFFIXES = ['有限公司', '有限公司', '有限公司', '有限公司', '股份有限公司', '有限责任公司'];

export const JOB_TITLES = [
  '总经理', '副总经理', '经理', '销售经理', '采购经理', '财务', '会计', '工程师', '技术员', '行政主管', '店长', '业务员',
  '厂长', '人事专员', '设计师', '教师', '医生', '护士', '个体经营者', '董事长',
];

/** [product, list price in CNY] */
export const PRODUCTS: [string, string][] = [
  ['净水器', '2999.00'], ['净水器滤芯', '199.00'], ['空气净化器', '1899.00'], ['扫地机器人', '2499.00'], ['电饭煲', '399.00'],
  ['电压力锅', '459.00'], ['破壁机', '699.00'], ['保温杯', '129.00'], ['不锈钢炒锅', '268.00'], ['刀具套装', '358.00'],
  ['电动自行车', '2899.00'], ['电动滑板车', '1999.00'], ['智能门锁', '1599.00'], ['防盗门', '3280.00'], ['五金工具箱', '299.00'],
  ['电钻套装', '459.00'], ['角磨机', '239.00'], ['茶叶礼盒', '588.00'], ['白酒礼盒', '1288.00'], ['月饼礼盒', '268.00'],
  ['羊毛衫', '499.00'], ['真丝围巾', '368.00'], ['运动鞋', '459.00'], ['儿童书包', '199.00'], ['按摩椅', '6999.00'],
  ['足浴盆', '399.00'], ['血压计', '269.00'], ['体检套餐', '1280.00'], ['英语培训课程', '4800.00'], ['会员年卡', '1200.00'],
  ['智能手机', '3999.00'], ['蓝牙耳机', '299.00'], ['笔记本电脑', '5999.00'], ['办公椅', '899.00'], ['打印机', '1299.00'],
  ['东北大米 5kg', '69.90'], ['食用油礼盒', '158.00'], ['保险柜', '1980.00'], ['不锈钢保温饭盒', '89.00'], ['电热水器', '1699.00'],
];

export const PURCHASE_CHANNELS = ['门店', '门店', '门店', '天猫旗舰店', '京东自营', '微信小程序', '电话订购', '经销商', '展会'];

/** [payment method, weight] */
export const PAYMENT_METHODS: [string, number][] = [
  ['wechat_pay', 35], ['alipay', 30], ['card', 10], ['cash', 8], ['bank_transfer', 7], ['online', 5], ['voucher', 3], ['other', 2],
];

export const HOBBIES = [
  '钓鱼', '书法', '摄影', '旅游', '羽毛球', '乒乓球', '太极拳', '跑步', '烹饪', '茶艺', '唱歌', '广场舞', '象棋', '围棋',
  '阅读', '登山', '游泳', '养花', '集邮', '自驾游',
];
export const SPORTS = ['乒乓球', '羽毛球', '篮球', '足球', '游泳', '跑步', '太极拳', '登山', '网球', '骑行'];
export const PASTIMES = ['看电视', '打麻将', '逛街', '刷短视频', '喝茶聊天', '钓鱼', '遛狗', '看书', '听戏', '打牌'];
export const BOOKS = ['红楼梦', '三国演义', '平凡的世界', '活着', '围城', '西游记', '水浒传', '穆斯林的葬礼', '白鹿原', '三体'];
export const ADMIRED = ['父亲', '母亲', '老师', '袁隆平', '钟南山', '鲁迅', '诸葛亮', '苏轼'];
export const MOTTOS = ['天道酬勤', '诚信为本', '知足常乐', '厚德载物', '活到老学到老', '家和万事兴', '脚踏实地', '宁静致远'];
export const NOTES = ['展会客户', '老客户介绍', '电话回访意向强', '对价格敏感', '关注售后服务', '团购客户', '线上咨询转化', '门店自然到访'];
export const RELIGIONS = ['无', '无', '无', '无', '无', '无', '无', '佛教', '佛教', '佛教', '道教', '基督教', '伊斯兰教'];
export const EMAIL_DOMAINS = ['163.com', '163.com', '126.com', 'sina.com', 'sohu.com', 'foxmail.com', 'gmail.com', 'outlook.com', '139.com', 'yeah.net'];
/** Mobile number prefixes (1[3-9]x) in common use. */
export const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156', '157', '158', '159',
  '166', '173', '175', '176', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '191', '198', '199',
];

/** [education, weight] */
export const EDUCATION: [string, number][] = [['小学', 8], ['初中', 22], ['高中', 25], ['大专', 20], ['本科及以上', 25]];
export const LEVELS: [string, number][] = [['高', 15], ['中', 45], ['低', 40]];
export const LIFECYCLE: [string, number][] = [['identification', 20], ['development', 30], ['stable', 35], ['decline', 15]];
export const RELATIONSHIPS: [string, number][] = [['basic', 40], ['passive', 20], ['responsible', 20], ['proactive', 15], ['partner', 5]];

/** Staff created by the seed; all share one demo password. */
export interface StaffMember {
  key: string;
  name: string;
  email: string;
  roles: string[];
  region: string | null;
  skills: string[];
}

export const STAFF: StaffMember[] = [
  { key: 'manager', name: '周敏', email: 'zhou.min@demo.example.com', roles: ['manager'], region: null, skills: [] },
  { key: 'sales', name: '王磊', email: 'wang.lei@demo.example.com', roles: ['sales'], region: '华东', skills: [] },
  { key: 'sales', name: '李娜', email: 'li.na@demo.example.com', roles: ['sales'], region: '华东', skills: [] },
  { key: 'sales', name: '陈杰', email: 'chen.jie@demo.example.com', roles: ['sales'], region: '华东', skills: [] },
  { key: 'sales', name: '黄丽', email: 'huang.li@demo.example.com', roles: ['sales'], region: '华南', skills: [] },
  { key: 'sales', name: '吴涛', email: 'wu.tao@demo.example.com', roles: ['sales'], region: '华南', skills: [] },
  { key: 'sales', name: '赵强', email: 'zhao.qiang@demo.example.com', roles: ['sales'], region: '华北', skills: [] },
  { key: 'sales', name: '孙静', email: 'sun.jing@demo.example.com', roles: ['sales'], region: '华中', skills: [] },
  { key: 'sales', name: '马超', email: 'ma.chao@demo.example.com', roles: ['sales'], region: '西南', skills: [] },
  { key: 'sales', name: '朱婷', email: 'zhu.ting@demo.example.com', roles: ['sales'], region: '西北', skills: [] },
  { key: 'sales', name: '胡斌', email: 'hu.bin@demo.example.com', roles: ['sales'], region: '东北', skills: [] },
  { key: 'agent', name: '刘洋', email: 'liu.yang@demo.example.com', roles: ['agent'], region: null, skills: ['售后', '投诉处理'] },
  { key: 'agent', name: '杨帆', email: 'yang.fan@demo.example.com', roles: ['agent'], region: null, skills: ['售前咨询'] },
  { key: 'agent', name: '郭燕', email: 'guo.yan@demo.example.com', roles: ['agent'], region: null, skills: ['会员服务'] },
  { key: 'technician', name: '何勇', email: 'he.yong@demo.example.com', roles: ['technician'], region: '华东', skills: ['净水器安装', '上门维修'] },
  { key: 'marketing', name: '林雪', email: 'lin.xue@demo.example.com', roles: ['marketing'], region: null, skills: [] },
];

export const STAFF_PASSWORD = 'demo12345';
